/**
 * Tasks that are OS processes (docs/processes.md): a kernel created with
 * `{ processes: true }` lives in a shared-memory object, and
 * `spawn(url, { process: true })` starts a child Node process that attaches
 * to it. Calls cross processes both ways; terminate() is SIGKILL and the
 * kernel cleans up after the killed process exactly as after a worker
 * (callers get EPIPE); an uncaught error comes back in `exited`; careless
 * options are refused before anything changes; no shared-memory object is
 * left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { InvalidArgumentError, Kernel, Message, type Port } from '../../src/index.js';
import { EINVAL } from '../../src/core/errno.js';
import { createSharedBuffer, releaseSharedBuffer } from '../../src/backend/process.js';
import { setWord } from '../support/control-words.js';
import { fixture } from '../support/fixtures.js';
import { withKernel } from '../support/kernel.js';
import { waitFor, within } from '../support/wait.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const T = { timeout: 120_000 };

/** The kipc objects in /dev/shm created by this process (anonymous ones carry its pid). */
function myObjects(): string[] {
  return readdirSync('/dev/shm').filter((f) => f.startsWith(`kipc.anon.${process.pid}.`) || f.startsWith(`kipc.test-${process.pid}`));
}

/** The pids of the tasks not yet exited (init's among them). */
function livePids(kernel: Kernel): number[] {
  return kernel.snapshot().tasks.filter((t) => t.state !== 'exited' && t.state !== 'exiting').map((t) => t.pid);
}

/** Receives `count` reports (calls to /test/report), answering each; their texts, sorted. */
async function reports(port: Port, count: number, init: Kernel['task']): Promise<string[]> {
  const texts: string[] = [];
  while (texts.length < count) {
    const m = await port.receiveAsync({ timeout: 60_000 });
    texts.push(m.text());
    if (m.callToken !== 0) init.reply(m);
  }
  return texts.sort();
}

test('a process task serves calls from init and from another process task; terminate() is SIGKILL (137) and the kernel is clean after', T, async () => {
  await withKernel(
    async (kernel) => {
      const init = kernel.task;
      const report = init.createPort();
      report.bind('/test/report');
      const server = kernel.spawn(fixture('scenarios/fixtures/echo-server'), { process: true, data: { path: '/srv/echo' } });
      const client = kernel.spawn(fixture('scenarios/fixtures/process-caller'), { process: true, data: { path: '/srv/echo', index: 41 } });
      // The echo server answers u32 + 1: the caller's text is its payload bytes, 42 as a little-endian u32.
      const [text] = await reports(report, 1, init);
      assert.equal(text, `41 ${Message.of(1).setU32(0, 42).text()}`);
      assert.deepEqual(await within(client.exited, 30_000, 'the caller process'), { code: 0 });

      const echo = init.connect('/srv/echo');
      for (let i = 0; i < 1000; i++) assert.equal(echo.call(Message.of(1).setU32(0, i)).getU32(0), i + 1);
      assert.deepEqual(await within(server.terminate(), 30_000, 'the SIGKILLed server'), { code: 137 });
      assert.throws(() => echo.call(Message.of(1)), { code: 'EPIPE' }, 'the port died with its process');
      assert.deepEqual(livePids(kernel), [1], 'both process tasks are reaped');
    },
    { processes: true, maxTasks: 8 },
  );
  assert.deepEqual(myObjects(), [], 'the kernel\'s shared object is gone after close()');
});

test('a server process SIGKILLed holding calls from 8 caller processes: every caller gets EPIPE, and the kernel is clean', T, async () => {
  await withKernel(
    async (kernel) => {
      const init = kernel.task;
      const report = init.createPort({ capacity: 16 });
      report.bind('/test/report');
      const server = kernel.spawn(fixture('scenarios/fixtures/process-holder'), { process: true, data: { path: '/srv/hold', calls: 8 } });
      const callers = Array.from({ length: 8 }, (_, index) => kernel.spawn(fixture('scenarios/fixtures/process-caller'), { process: true, data: { path: '/srv/hold', index } }));
      assert.deepEqual(await reports(report, 1, init), ['holding 8']);
      assert.equal((await within(server.terminate(), 30_000, 'the SIGKILLed server')).code, 137);
      const outcomes = await reports(report, 8, init);
      assert.deepEqual(outcomes, Array.from({ length: 8 }, (_, i) => `${i} EPIPE`));
      for (const caller of callers) assert.deepEqual(await within(caller.exited, 30_000, 'a caller'), { code: 0 });
    },
    { processes: true, maxTasks: 16 },
  );
});

test('an uncaught error in a process task: exited has code 1 and the error\'s stack; spawn/kill cycles reuse slots', T, async () => {
  await withKernel(
    async (kernel) => {
      const crash = kernel.spawn(fixture('scenarios/fixtures/process-crash'), { process: true });
      const exit = await within(crash.exited, 30_000, 'the crashing process');
      assert.equal(exit.code, 1);
      assert.match(exit.error ?? '', new RegExp(`process task ${crash.pid} fails on purpose`));
      for (let round = 0; round < 12; round++) {
        const server = kernel.spawn(fixture('scenarios/fixtures/echo-server'), { process: true, data: { path: `/srv/e${round}` } });
        if (round % 2 === 0) {
          // Killed at once, perhaps before it attached, perhaps inside its bind.
          assert.equal((await within(server.terminate(), 30_000, 'a killed process')).code, 137);
        } else {
          const port = await connected(kernel, `/srv/e${round}`);
          assert.equal(port.call(Message.of(1).setU32(0, round)).getU32(0), round + 1);
          port.send(Message.of(99));
          assert.deepEqual(await within(server.exited, 30_000, 'a server that returned'), { code: 0 });
          port.close();
        }
      }
      assert.deepEqual(livePids(kernel), [1]);
    },
    { processes: true, maxTasks: 3 },
  );
});

/** init's connection to `path`, once some task has bound it. */
async function connected(kernel: Kernel, path: string): Promise<Port> {
  for (let tries = 0; ; tries++) {
    try {
      return kernel.task.connect(path);
    } catch (error) {
      if (tries > 10_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

test('careless use: a process task in a thread kernel, a bad name, mode or process flag is refused before anything changes; two kernels cannot share a name', T, async () => {
  await withKernel(async (kernel) => {
    assert.throws(() => kernel.spawn(fixture('scenarios/fixtures/echo-server'), { process: true }), /Kernel.spawn: a task can be a process only in a kernel that processes can map/);
    assert.throws(() => kernel.spawn(fixture('scenarios/fixtures/echo-server'), { process: 'yes' as never }), TypeError);
    assert.deepEqual(livePids(kernel), [1], 'no slot was claimed');
  });
  assert.throws(() => Kernel.create({ mode: 0o644 }), /mode is for a kernel shared with processes/);
  for (const name of ['', 'a/b', '../x', 'x'.repeat(201), 'sp ace', 7]) assert.throws(() => Kernel.create({ name: name as never }), TypeError, `name ${String(name)}`);
  assert.throws(() => Kernel.create({ processes: true, mode: 0o1777 }), RangeError);
  assert.throws(() => Kernel.create({ processes: 'yes' as never }), TypeError);

  const name = `test-${process.pid}-shared`;
  const first = Kernel.create({ name });
  try {
    assert.equal(statSync(`/dev/shm/kipc.${name}`).mode & 0o777, 0o600, 'owner-only by default');
    assert.throws(() => Kernel.create({ name }), /a kernel named 'test-\d+-shared' exists already/);
    assert.deepEqual(first.check(), [], 'the refused second kernel touched nothing');
  } finally {
    await first.close();
  }
  const widened = Kernel.create({ name, mode: 0o640 });
  try {
    assert.equal(statSync(`/dev/shm/kipc.${name}`).mode & 0o777, 0o640, 'mode sets the bits exactly, whatever the umask');
  } finally {
    await widened.close();
  }
  assert.deepEqual(myObjects(), []);
});

const JOINER = fileURLToPath(fixture('scenarios/fixtures/process-joiner'));

/** Runs the joiner fixture as a command of its own (`node process-joiner.js name mode`), as another user when `uid` is given. */
function startJoiner(name: string, mode: string, uid?: number): ChildProcess {
  return spawn(process.execPath, [JOINER, name, mode], { stdio: ['ignore', 'pipe', 'inherit'], ...(uid !== undefined ? { uid, gid: uid } : {}) });
}

/** The first line the process prints. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`the joiner exited (${code}) having printed ${JSON.stringify(text)}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode ?? -1);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
}

test('spawn data to a process: a plain SharedArrayBuffer or a function is refused before a slot is taken; a shared-memory buffer arrives as the same memory', T, async () => {
  await withKernel(
    async (kernel) => {
      const echo = fixture('scenarios/fixtures/echo-server');
      const baseline = kernel.usage();
      for (const data of [{ words: new SharedArrayBuffer(8) }, [new Int32Array(new SharedArrayBuffer(8))], { f: () => 1 }]) {
        assert.throws(() => kernel.spawn(echo, { process: true, data }), (error: unknown) => error instanceof InvalidArgumentError && error.errno === EINVAL && /cannot be copied to a process task/.test(error.message));
      }
      assert.deepEqual(livePids(kernel), [1], 'no slot was claimed');
      assert.deepEqual(kernel.usage(), baseline);

      const buffer = createSharedBuffer(64);
      const words = new Int32Array(buffer);
      const child = kernel.spawn(fixture('scenarios/fixtures/process-shared-words'), { process: true, data: { buffer, view: new Int32Array(buffer, 8, 4) } });
      setWord(words, 0, 1);
      await waitFor(() => Atomics.load(words, 1) === 7, 'the process to write through the buffer');
      assert.equal(Atomics.load(words, 4), 9, 'the view arrived at its offset');
      assert.equal((await within(child.exited, 30_000, 'the process to exit')).code, 0);
      assert.ok(releaseSharedBuffer(buffer), 'the buffer had a name until released');
      assert.equal(Atomics.load(words, 1), 7, 'the memory outlives its name');
    },
    { processes: true },
  );
});

test('an unrelated process joins a named kernel with join(name) and calls init\'s service; when it exits, its task is reaped', T, async () => {
  const name = `test-${process.pid}-join`;
  const kernel = Kernel.create({ name, maxTasks: 8 });
  try {
    const service = kernel.task.createPort();
    service.bind('/srv/echo');
    const serving = service.serve((m) => m.setU32(0, m.getU32(0) * 10));
    const joiner = startJoiner(name, 'call');
    const printed = JSON.parse(await within(firstLine(joiner), 30_000, 'the joiner\'s answer')) as { pid: number; answer: number };
    assert.equal(printed.answer, 50, 'the joined process called init\'s service');
    assert.equal(await exitOf(joiner), 0);
    await waitFor(() => livePids(kernel).length === 1, 'the supervisor to reap the joined task after its process ended');
    assert.deepEqual(kernel.check(), []);
    service.close();
    await serving;
  } finally {
    await kernel.close();
  }
  assert.deepEqual(myObjects(), []);
});

test('a flood of joiners: a kernel of 3 task slots lets 2 in, the other 6 get OutOfMemoryError (ENOMEM) and change nothing; the slots of killed joiners are reaped and taken again', T, async () => {
  const name = `test-${process.pid}-flood`;
  const kernel = Kernel.create({ name, maxTasks: 3 });
  try {
    const baseline = kernel.usage();
    const joiners = Array.from({ length: 8 }, () => startJoiner(name, 'wait'));
    const lines = await within(Promise.all(joiners.map(firstLine)), 60_000, 'every joiner to get in or be refused');
    const inside = joiners.filter((_, i) => lines[i] === 'waiting');
    const refused = lines.filter((line) => line !== 'waiting').map((line) => JSON.parse(line) as { error: string; code: string });
    assert.equal(inside.length, 2, `two joiners got a slot (${lines.join(' | ')})`);
    assert.deepEqual(
      refused.map((r) => [r.error, r.code]),
      Array.from({ length: 6 }, () => ['OutOfMemoryError', 'ENOMEM']),
    );
    assert.equal(livePids(kernel).length, 3, 'init and the two joiners');
    assert.deepEqual(kernel.check(), []);
    for (const child of inside) child.kill('SIGKILL');
    // A task shows 'exiting' while the supervisor reaps it: wait for its objects to go too.
    await waitFor(() => livePids(kernel).length === 1 && JSON.stringify(kernel.usage()) === JSON.stringify(baseline), 'the supervisor to reap the killed joiners');
    assert.deepEqual(kernel.usage(), baseline, 'the killed joiners left nothing behind');
    const late = startJoiner(name, 'join');
    assert.ok((JSON.parse(await within(firstLine(late), 30_000, 'a late joiner')) as { pid?: number }).pid! > 1, 'a freed slot is taken again');
    assert.equal(await exitOf(late), 0);
    await waitFor(() => livePids(kernel).length === 1, 'the late joiner to be reaped');
    assert.deepEqual(kernel.check(), []);
  } finally {
    await kernel.close();
  }
  assert.deepEqual(myObjects(), []);
});

test('a joined process SIGKILLed holding a call: the caller gets EPIPE, its name and slot go, the kernel is clean', T, async () => {
  const name = `test-${process.pid}-kill`;
  const kernel = Kernel.create({ name, maxTasks: 8 });
  try {
    const joiner = startJoiner(name, 'hold');
    const port = await connected(kernel, '/srv/joined');
    const call = port.callAsync(Message.of(1, 'never answered'));
    call.catch(() => {});
    assert.equal(await within(firstLine(joiner), 30_000, 'the joiner to hold the call'), 'holding');
    assert.equal(livePids(kernel).length, 2);
    joiner.kill('SIGKILL');
    await assert.rejects(within(call, 30_000, 'the call to the killed process'), { code: 'EPIPE' });
    await waitFor(() => livePids(kernel).length === 1, 'the killed joiner to be reaped');
    assert.ok(!kernel.snapshot().names.some((n) => n.path === '/srv/joined'), 'its name went with it');
    assert.deepEqual(kernel.check(), []);
  } finally {
    await kernel.close();
  }
});

test('who may join: no such kernel is NotFoundError; another user is refused by the default mode and let in by mode 0o666; a kernel whose creator was killed is gone, and its name can be taken again', T, async () => {
  const missing = startJoiner(`test-${process.pid}-nobody-here`, 'join');
  assert.deepEqual(JSON.parse(await firstLine(missing)).code, 'ENOENT');

  const isRoot = process.getuid?.() === 0;
  const NOBODY = 65534;
  for (const [mode, allowed] of [[0o600, false], [0o666, true]] as const) {
    const name = `test-${process.pid}-mode${mode.toString(8)}`;
    const kernel = Kernel.create({ name, mode, maxTasks: 4 });
    try {
      if (!isRoot) continue; // Only root can start a process as another user here.
      const before = kernel.snapshot().tasks.length;
      const outcome = JSON.parse(await within(firstLine(startJoiner(name, 'join', NOBODY)), 30_000, 'the other user\'s join')) as { pid?: number; code?: string; message?: string };
      if (allowed) {
        assert.ok(outcome.pid !== undefined && outcome.pid > 1, `mode ${mode.toString(8)} lets another user join: ${JSON.stringify(outcome)}`);
      } else {
        assert.equal(outcome.code, 'EPERM', `mode 600 keeps another user out: ${JSON.stringify(outcome)}`);
        assert.match(outcome.message ?? '', /may not open the kernel/);
        assert.equal(kernel.snapshot().tasks.length, before, 'the refused join changed nothing');
      }
      await waitFor(() => livePids(kernel).length === 1, 'the joined task to be reaped');
      assert.deepEqual(kernel.check(), []);
    } finally {
      await kernel.close();
    }
  }

  // A creator killed with SIGKILL cannot remove its kernel's object: a joiner is told the kernel is gone, and a new kernel takes the name.
  const name = `test-${process.pid}-orphan`;
  const creator = spawn(process.execPath, ['--input-type=module', '-e', `import { Kernel } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)}; Kernel.create({ name: ${JSON.stringify(name)} }); console.log('created'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  assert.equal(await within(firstLine(creator), 30_000, 'the creator'), 'created');
  creator.kill('SIGKILL');
  await exitOf(creator);
  const late = JSON.parse(await firstLine(startJoiner(name, 'join'))) as { code?: string; message?: string };
  assert.equal(late.code, 'ESHUTDOWN', JSON.stringify(late));
  assert.match(late.message ?? '', /is gone/);
  const again = Kernel.create({ name });
  await again.close();
  assert.deepEqual(myObjects(), []);
});

/** Kills of process tasks at random instants, per CI run. */
const KILLS = 200;
/** The type of init's own message through the ledger, after which the ledger holds nothing older. */
const MARKER = 2;

test(`${KILLS} process tasks SIGKILLed at random instants inside kernel operations: every message sent exactly once and in order, every lock recovered, the kernel clean`, { timeout: 600_000 }, async () => {
  await withKernel(
    async (kernel) => {
      const init = kernel.task;
      const ledger = init.createPort({ capacity: 64 });
      ledger.bind('/test/ledger');
      const seen = new Map<number, number[]>();
      let markerSeen: (() => void) | undefined;
      const draining = (async () => {
        for await (const m of ledger) {
          if (m.type === MARKER) {
            markerSeen?.();
            continue;
          }
          const list = seen.get(m.sender) ?? [];
          list.push(m.getU32(0));
          seen.set(m.sender, list);
        }
      })();
      const recoveriesBefore = kernel.snapshot().stats.lockRecoveries;
      let delivered = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const victim = kernel.spawn(fixture('scenarios/fixtures/process-victim'), { process: true });
        await waitFor(() => (seen.get(victim.pid)?.length ?? 0) > 0, `victim ${victim.pid} to start sending`, 30_000);
        // Somewhere in its loop: a send, a bind, an unbind, a close, or between them.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
        assert.equal((await within(victim.terminate(), 30_000, `victim ${victim.pid}'s death`)).code, 137);
        // Queues are FIFO: once init's own marker comes through, every message the victim sent has.
        const drained = new Promise<void>((resolve) => (markerSeen = resolve));
        ledger.send(Message.of(MARKER));
        await within(drained, 30_000, 'the ledger to drain');
        const got = seen.get(victim.pid) ?? [];
        got.forEach((seq, index) => assert.equal(seq, index + 1, `victim ${victim.pid}: message ${index + 1} of ${got.length} is ${seq} (lost, duplicated or reordered)`));
        delivered += got.length;
        seen.delete(victim.pid);
      }
      const stats = kernel.snapshot().stats;
      console.log(`# process kill storm: ${KILLS} SIGKILLs, ${delivered} messages in order exactly once, kernel lock recovered from a killed holder ${stats.lockRecoveries - recoveriesBefore} times`);
      assert.ok(!kernel.snapshot().names.some((n) => n.path.startsWith('/victim/')), 'no victim\'s name outlived it');
      assert.deepEqual(livePids(kernel), [1]);
      ledger.close();
      await draining;
    },
    { processes: true, maxTasks: 8 },
  );
});

/** Lines a process prints, as they come, with the time each arrived. */
function lines(child: ChildProcess): { lines: { text: string; at: number }[]; next(count: number): Promise<void> } {
  const got: { text: string; at: number }[] = [];
  let buffer = '';
  let waiter: (() => void) | undefined;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      got.push({ text: buffer.slice(0, end), at: performance.now() });
      buffer = buffer.slice(end + 1);
    }
    waiter?.();
  });
  return {
    lines: got,
    next: (count) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (got.length >= count) resolve();
        };
        waiter = check;
        check();
      }),
  };
}

test('init\'s process SIGKILLed while its process tasks and a joined process are blocked: every one returns with the kernel-gone error', T, async () => {
  const name = `test-${process.pid}-initdeath`;
  const WAITERS = 3;
  const init = spawn(process.execPath, [fileURLToPath(fixture('scenarios/fixtures/process-gone-init')), name, String(WAITERS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = lines(init);
  await within(out.next(1), 60_000, 'the waiters to block');
  assert.equal(out.lines[0]!.text, 'all blocked');
  const joiner = startJoiner(name, 'wait');
  const joined = lines(joiner);
  await within(joined.next(1), 30_000, 'the joiner to wait');
  assert.equal(joined.lines[0]!.text, 'waiting');
  await new Promise((resolve) => setTimeout(resolve, 50));

  const killedAt = performance.now();
  init.kill('SIGKILL');
  await within(Promise.all([out.next(1 + WAITERS), joined.next(2)]), 30_000, 'every blocked task to return');
  const endings = [...out.lines.slice(1), joined.lines[1]!];
  const slowest = Math.max(...endings.map((l) => l.at - killedAt));
  console.log(`# init killed: ${endings.length} blocked tasks returned with the kernel-gone error, the slowest after ${slowest.toFixed(0)} ms`);
  for (const line of endings) {
    const ending = JSON.parse(line.text) as { code: string; message: string };
    assert.equal(ending.code, 'ESHUTDOWN', line.text);
    assert.match(ending.message, /the kernel is gone/);
  }
  // The bound is the wait slice (100 ms) plus starting and printing; generous here against a busy machine.
  assert.ok(slowest < 5000, `every blocked task returned in bounded time (${slowest.toFixed(0)} ms)`);
  assert.equal(await exitOf(joiner), 0);
  // The dead creator could not remove its object; a new kernel of that name replaces it.
  const again = Kernel.create({ name });
  await again.close();
  assert.ok(!readdirSync('/dev/shm').includes(`kipc.${name}`));
});

test('kipc top NAME shows another process\'s kernel: tasks with their OS pids and what they wait for, objects and queues; its own task goes when it leaves', T, async () => {
  const name = `test-${process.pid}-top`;
  const kernel = Kernel.create({ name, maxTasks: 8 });
  const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  try {
    const server = kernel.spawn(fixture('scenarios/fixtures/echo-server'), { process: true, data: { path: '/srv/top' } });
    const port = await connected(kernel, '/srv/top');
    port.send(Message.of(1));
    port.send(Message.of(1));
    await waitFor(() => kernel.snapshot().tasks.some((t) => t.pid === server.pid && t.state === 'blocked'), 'the server to block in receive');
    const osPid = kernel.snapshot().tasks.find((t) => t.pid === server.pid)!.osPid;
    assert.ok(osPid > 0 && osPid !== process.pid, 'the server runs in a process of its own');
    const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'top', name, '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
      child.once('exit', (code) => resolve({ code, out, err }));
    });
    assert.equal(run.code, 0, run.err);
    const serverRow = run.out.split('\n').find((l) => new RegExp(`^\\s*${server.pid}\\s`).test(l));
    assert.ok(serverRow !== undefined, run.out);
    assert.match(serverRow, new RegExp(`\\b${osPid}\\b.*blocked.*port #\\d+ readable`), 'the server row: its OS pid, blocked, on which port');
    assert.match(run.out, new RegExp(`^\\s*1\\s+init\\s+${process.pid}\\b`, 'm'), 'init with this process\'s pid');
    assert.match(run.out, /joined/, 'the view shows itself as a joined task');
    assert.match(run.out, /\/srv\/top/);
    await waitFor(() => livePids(kernel).length === 2, 'the view\'s task to be reaped after it left');

    const missing = spawnSync(process.execPath, [CLI, 'top', `test-${process.pid}-none`, '--once'], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /kipc top: join: no kernel named/);
    port.send(Message.of(99));
    assert.deepEqual(await within(server.exited, 30_000, 'the server'), { code: 0 });
    assert.deepEqual(kernel.check(), []);
  } finally {
    await kernel.close();
  }
});
