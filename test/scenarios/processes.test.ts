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
import { Kernel, Message, type Port } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { withKernel } from '../support/kernel.js';
import { within } from '../support/wait.js';

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
