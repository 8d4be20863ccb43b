/**
 * Benchmarks between OS processes: kipc tasks that are child processes of
 * the runner (a kernel created with `{ processes: true }`, tasks spawned
 * with `{ process: true }`; the runner's main thread is init) against what
 * Node offers between processes: the IPC channel of child_process.fork
 * (`process.send`) and a Unix domain socket. Before each, the floor is two
 * processes bouncing a word through shared memory (floor.ts).
 *
 * - process-call: sync `port.call` from init to an echo server process, vs
 *   a `process.send` round trip to a forked echo child.
 * - process-socket-call: the same kipc call vs a 64-byte round trip over a
 *   Unix domain socket to an echo child.
 * - process-async-call: `await port.callAsync` vs the `process.send` round trip.
 * - process-one-way: 64-byte messages from init to a counting process, with
 *   the kernel's backpressure (a full queue blocks the sender), vs
 *   `process.send` of 64-character strings to a counting child; each round
 *   ends when the receiver has counted every message.
 * - process-channel: the channel benchmark (channel.ts) with its producer
 *   and consumer tasks child processes, vs the same `process.send` stream.
 * - process-pages-move: the pages-move benchmark (pages.ts) with its two
 *   tasks child processes, vs a 1 MiB byte array sent with `process.send`
 *   (advanced serialization) to a forked child that checks it and sends it
 *   back.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel, Message, type Port } from '../src/index.js';
import { type Benchmark, Failure, finishOpening, openBoth, type RoundFigure, type Side, countingParks, settleWithin, workerUrl } from './harness.js';
import { connectWhenBound, openEchoCaller } from './kipc-setup.js';
import { kernelOptions } from './config.js';
import { timeCalls, COUNT_TYPE, STOP_TYPE } from './workers/kipc-common.js';
import { asyncCallRound } from './async-call.js';
import { openChannelTasks } from './channel.js';
import { openKipcPages, withRoundTrips } from './pages.js';
import { checkAnswer, gigabytesPerSecond, stampPages, TRANSFER_BYTES, TRANSFER_PAGES } from './workers/kipc-pages-common.js';

/** Resolves when `child` has exited; kills it if it has not within `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A forked child running workers/ipc-echo.ts: ask() sends a message and awaits its answer; close() ends it. */
interface IpcChild<Answer = number> {
  child: ChildProcess;
  failure: Failure;
  ask(message: number | string | Uint8Array): Promise<Answer>;
  close(): Promise<void>;
}

/** `serialization`: Node's, 'json' (the default) or 'advanced' (v8 serialization: typed arrays). */
function forkIpcChild<Answer = number>(name: string, serialization: 'json' | 'advanced' = 'json'): IpcChild<Answer> {
  const child = fork(fileURLToPath(workerUrl('ipc-echo')), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization });
  const failure = new Failure();
  failure.watchChild(child, name);
  let answer: ((value: Answer) => void) | undefined;
  child.on('message', (value: Answer) => answer?.(value));
  let closed: Promise<void> | undefined;
  return {
    child,
    failure,
    ask: (message) =>
      Promise.race([
        new Promise<Answer>((resolve) => {
          answer = resolve;
          child.send(message);
        }),
        failure.promise,
      ]),
    close: () =>
      (closed ??= (async () => {
        failure.expected();
        if (child.connected) child.send(-1);
        await stopChild(child);
      })()),
  };
}

/** A side calling a forked echo child: send a number, await number + 1. */
function openIpcChild(label: string, round: (call: (value: number) => Promise<number>, budgetMs: number) => Promise<RoundFigure>): Promise<Side> {
  const echo = forkIpcChild('the forked echo child');
  const side: Side = { label, round: (budgetMs) => round(echo.ask, budgetMs), close: echo.close };
  return finishOpening(side, async () => {
    if ((await echo.ask(1)) !== 2) throw new Error('bench: the forked echo child answered wrong');
  });
}

async function ipcCallRound(call: (value: number) => Promise<number>, budgetMs: number): Promise<RoundFigure> {
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < 16; i++) {
      const result = await call(n);
      if (result !== n + 1) throw new Error(`bench: the echo child answered ${result} to ${n}`);
      n++;
    }
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: (elapsed * 1000) / n, ops: n };
}

const PAYLOAD_64 = 'x'.repeat(64);

function openIpcOneWay(): Promise<Side> {
  const counter = forkIpcChild('the forked counting child');
  let sent = 0;
  const side: Side = {
    label: 'process.send of 64-character strings to a forked child, until it has counted them all',
    round: async (budgetMs) => {
      const first = sent;
      const start = performance.now();
      do {
        for (let i = 0; i < 256; i++) counter.child.send(PAYLOAD_64);
        sent += 256;
      } while (performance.now() - start < budgetMs);
      const counted = await counter.ask('count');
      const elapsed = performance.now() - start;
      if (counted !== sent) throw new Error(`bench: the counting child had ${counted} of ${sent} messages`);
      return { value: ((sent - first) * 1000) / elapsed, ops: sent - first };
    },
    close: counter.close,
  };
  return finishOpening(side, async () => {
    if ((await counter.ask('count')) !== 0) throw new Error('bench: the counting child counted before anything was sent');
  });
}

/** A 64-byte round trip over a Unix domain socket to an echo child (workers/socket-echo.ts). */
async function openSocket(): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), 'kipc-bench-'));
  const path = join(dir, 'echo.sock');
  const child = spawn(process.execPath, [fileURLToPath(workerUrl('socket-echo')), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const failure = new Failure();
  failure.watchChild(child, 'the socket echo child');
  let socket: Socket | undefined;
  let closed: Promise<void> | undefined;
  const request = Buffer.alloc(64, 7);
  let waiting: { resolve: () => void; got: number } | undefined;
  const roundTrip = (): Promise<void> =>
    new Promise<void>((resolve) => {
      waiting = { resolve, got: 0 };
      socket!.write(request);
    });
  const side: Side = {
    label: '64-byte round trip over a Unix domain socket to an echo child',
    round: async (budgetMs) => {
      let n = 0;
      let elapsed = 0;
      const start = performance.now();
      do {
        for (let i = 0; i < 16; i++) await Promise.race([roundTrip(), failure.promise]);
        n += 16;
        elapsed = performance.now() - start;
      } while (elapsed < budgetMs);
      return { value: (elapsed * 1000) / n, ops: n };
    },
    close: () =>
      (closed ??= (async () => {
        failure.expected();
        socket?.destroy();
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
  return finishOpening(side, async () => {
    await Promise.race([new Promise<void>((resolve) => child.stdout!.once('data', () => resolve())), failure.promise]);
    socket = connect(path);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (waiting === undefined) return;
      waiting.got += chunk.length;
      if (waiting.got >= request.length) {
        const done = waiting.resolve;
        waiting = undefined;
        done();
      }
    });
    await Promise.race([new Promise<void>((resolve) => socket!.once('connect', () => resolve())), failure.promise]);
    await roundTrip();
  });
}

const SINK_PATH = '/bench/sink';

/** kipc one-way: init sends 64-byte messages to a counting process task (workers/kipc-sink.ts). */
async function openKipcOneWay(): Promise<Side> {
  const kernel = Kernel.create({ ...kernelOptions, processes: true });
  const failure = new Failure();
  const sink = kernel.spawn(workerUrl('kipc-sink'), { process: true, data: { path: SINK_PATH } });
  failure.watchTask(sink, 'counting sink');
  let port: Port | undefined;
  const message = Message.of(1);
  message.bytes.fill(7, 16);
  const count = Message.of(COUNT_TYPE);
  const answer = new Message();
  let sent = 0;
  let closed: Promise<void> | undefined;
  const side: Side = {
    label: 'port.send of 64-byte messages from init to a process task, until it has counted them all',
    round: (budgetMs) =>
      countingParks(
        () => kernel.snapshot().stats.parks,
        async () => {
          const first = sent;
          const start = performance.now();
          do {
            for (let i = 0; i < 256; i++) port!.send(message);
            sent += 256;
          } while (performance.now() - start < budgetMs);
          port!.call(count, { into: answer });
          const elapsed = performance.now() - start;
          if (answer.getU32(0) !== sent) throw new Error(`bench: the sink had ${answer.getU32(0)} of ${sent} messages`);
          return { value: ((sent - first) * 1000) / elapsed, ops: sent - first };
        },
      ),
    close: () =>
      (closed ??= (async () => {
        failure.expected();
        try {
          port?.send(Message.of(STOP_TYPE), { timeout: 1000 });
        } catch {
          // The sink is gone already.
        }
        await settleWithin(sink.exited, 2000);
        await kernel.close();
      })()),
  };
  return finishOpening(side, async () => {
    port = await connectWhenBound(kernel, SINK_PATH, failure);
  });
}

function openKipcCall(): Promise<Side> {
  return openEchoCaller('port.call from init → receive + reply in a process task', async (port, request, reply, budgetMs) => timeCalls(port, request, reply, budgetMs), 'process');
}

export const processCall: Benchmark = {
  name: 'process-call',
  title: 'sync call round trip between processes, vs process.send',
  unit: 'µs',
  floor: 'process',
  targets: [
    { kind: 'at-most', value: 2 },
    { kind: 'speedup', value: 25 },
  ],
  open: () => openBoth(openKipcCall, () => openIpcChild('process.send round trip to a forked echo child', ipcCallRound)),
};

export const processSocketCall: Benchmark = {
  name: 'process-socket-call',
  title: 'sync call round trip between processes, vs a Unix domain socket',
  unit: 'µs',
  floor: 'process',
  targets: [{ kind: 'speedup', value: 25 }],
  open: () => openBoth(openKipcCall, openSocket),
};

export const processAsyncCall: Benchmark = {
  name: 'process-async-call',
  title: 'async call between processes (await callAsync), vs process.send',
  unit: 'µs',
  floor: 'process',
  targets: [],
  open: () =>
    openBoth(
      () => openEchoCaller('await port.callAsync from init → receive + reply in a process task', asyncCallRound, 'process'),
      () => openIpcChild('process.send round trip to a forked echo child', ipcCallRound),
    ),
};

export const processOneWay: Benchmark = {
  name: 'process-one-way',
  title: 'one-way 64 B messages between processes, vs process.send',
  unit: 'msg/s',
  floor: 'process',
  targets: [{ kind: 'at-least', value: 2_000_000 }],
  open: () => openBoth(openKipcOneWay, openIpcOneWay),
};

/** 1 MiB to a forked child and back with `process.send` (advanced serialization copies it each way), checked as the kipc pages are. */
function openIpcPages(): Promise<Side> {
  const echo = forkIpcChild<Uint8Array>('the forked page echo child', 'advanced');
  const bytes = new Uint8Array(TRANSFER_BYTES);
  const words = new Int32Array(bytes.buffer);
  let seq = 0;
  const side: Side = {
    label: 'process.send of a 1 MiB Uint8Array (advanced serialization) → forked child checks it, answers in it and sends it back',
    round: async (budgetMs) => {
      let n = 0;
      let elapsed = 0;
      const start = performance.now();
      do {
        stampPages(words, seq);
        const back = await echo.ask(bytes);
        checkAnswer('word 1 of the array sent back', Buffer.from(back.buffer, back.byteOffset, 8).readInt32LE(4), seq + 1);
        seq++;
        n++;
        elapsed = performance.now() - start;
      } while (elapsed < budgetMs);
      return { value: gigabytesPerSecond(n, elapsed), ops: n };
    },
    close: echo.close,
  };
  return finishOpening(withRoundTrips(side), async () => {});
}

export const processChannel: Benchmark = {
  name: 'process-channel',
  title: 'channel of 64-byte messages, 1 producer process → 1 consumer process, vs process.send',
  unit: 'msg/s',
  floor: 'process',
  targets: [],
  open: () => openBoth(() => openChannelTasks(1, true), openIpcOneWay),
};

export const processPagesMove: Benchmark = {
  name: 'process-pages-move',
  title: `${TRANSFER_BYTES >> 20} MiB (${TRANSFER_PAGES} pages) process → process and back, page IPC move vs process.send (GB/s counts 1 MiB per round trip)`,
  unit: 'GB/s',
  operation: 'round trip',
  floor: 'process',
  targets: [],
  open: () => openBoth(() => openKipcPages('move', false, true), openIpcPages),
};
