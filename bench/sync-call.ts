/**
 * Benchmark 2: a blocking synchronous call from the main thread.
 *
 * - kipc: sync `port.call` from the init task to an echo server task.
 * - alternative: the synckit pattern, written out here: postMessage the
 *   request to a worker, Atomics.wait on a shared flag the worker bumps after
 *   posting the answer on a MessagePort, then receiveMessageOnPort.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { type Benchmark, Failure, finishOpening, openBoth, type RoundFigure, type Side, stopWorker, workerUrl } from './harness.js';
import { openEchoCaller } from './kipc-setup.js';
import { timeCalls } from './workers/kipc-common.js';

function openKipc(): Promise<Side> {
  return openEchoCaller('port.call from main → receive + reply in a worker', async (port, request, reply, budgetMs) => timeCalls(port, request, reply, budgetMs));
}

/** How long the synckit-style caller waits for an answer before calling it a hang. */
const SYNC_TIMEOUT_MS = 10_000;

export interface SyncChannel {
  worker: Worker;
  mainPort: MessagePort;
  flag: Int32Array;
  nextId: number;
}

/** One call, the synckit way. */
export function syncCall(channel: SyncChannel, value: number): number {
  const id = channel.nextId++;
  channel.worker.postMessage({ id, args: [value] });
  const status = Atomics.wait(channel.flag, 0, 0, SYNC_TIMEOUT_MS);
  Atomics.store(channel.flag, 0, 0);
  if (status === 'timed-out') throw new Error('bench: the synckit-style worker did not answer');
  const received = receiveMessageOnPort(channel.mainPort) as { message: { id: number; result: number } } | undefined;
  if (received === undefined || received.message.id !== id) throw new Error('bench: the synckit-style worker answered out of turn');
  return received.message.result;
}

function synckitRound(channel: SyncChannel, budgetMs: number): RoundFigure {
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < 16; i++) {
      const result = syncCall(channel, n);
      if (result !== n + 1) throw new Error(`bench: synckit-style worker answered ${result} to ${n}`);
      n++;
    }
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: (elapsed * 1000) / n, ops: n };
}

function openSynckit(): Promise<Side> {
  const { port1: mainPort, port2: workerPort } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerUrl('synckit-worker'), { workerData: { port: workerPort, flag: flag.buffer }, transferList: [workerPort] });
  const failure = new Failure();
  failure.watchWorker(worker, 'synckit-worker');
  const channel: SyncChannel = { worker, mainPort, flag, nextId: 1 };
  let closed: Promise<void> | undefined;
  const side: Side = {
    label: 'postMessage + Atomics.wait + receiveMessageOnPort (synckit pattern)',
    round: async (budgetMs) => synckitRound(channel, budgetMs),
    close: () =>
      (closed ??= (async () => {
        failure.expected();
        worker.postMessage({ id: -1, args: [0] });
        mainPort.close();
        await stopWorker(worker);
      })()),
  };
  return finishOpening(side, async () => {
    // The first call also waits for the worker to start.
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      failure.promise.catch(reject);
    });
    if (syncCall(channel, 1) !== 2) throw new Error('bench: the synckit-style worker answered wrong');
  });
}

export const blockingCall: Benchmark = {
  name: 'sync-call',
  title: 'blocking sync call from the main thread',
  unit: 'µs',
  targets: [
    { kind: 'at-most', value: 2 },
    { kind: 'speedup', value: 15 },
  ],
  open: () => openBoth(openKipc, openSynckit),
};
