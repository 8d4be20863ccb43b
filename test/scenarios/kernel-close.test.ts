/**
 * Kernel lifetime: spawn checks its options before it takes a task slot
 * (data that cannot be cloned filled the task table with slots stuck
 * "starting"), kernel.check() reports a slot no thread runs, and close()
 * settles every pending operation of init with KernelClosedError, frees
 * what init held, and refuses every later use (the ABI: -ESHUTDOWN).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Kernel, KernelClosedError, sys, errno } from '../../src/index.js';
import * as L from '../../src/core/layout.js';
import { fixture } from '../support/fixtures.js';
import { withKernel } from '../support/kernel.js';

test('spawn refuses data that cannot be cloned, and a bad memory size, before it takes a task slot', async () => {
  await withKernel(async (kernel) => {
    const before = kernel.usage().tasks;
    for (let i = 0; i < 6; i++) {
      assert.throws(() => kernel.spawn(fixture('scenarios/fixtures/echo-server'), { data: { run: () => 1 } }), InvalidArgumentError);
      assert.throws(() => kernel.spawn(fixture('scenarios/fixtures/echo-server'), { data: Symbol('x') }), /cannot be cloned/);
    }
    assert.throws(() => kernel.spawn(fixture('scenarios/fixtures/echo-server'), { memoryBytes: -1 }), InvalidArgumentError);
    assert.throws(() => kernel.spawn(fixture('scenarios/fixtures/echo-server'), { memoryBytes: 1.5 }), InvalidArgumentError);
    assert.equal(kernel.usage().tasks, before, 'no task slot was taken');
    // The table (4 slots: init and three) still has room for three tasks.
    const tasks = [0, 1, 2].map(() => kernel.spawn(fixture('scenarios/fixtures/kernel-close-idle')));
    await Promise.all(tasks.map((t) => t.terminate()));
  }, { maxTasks: 4 });
});

test('kernel.check() reports a task slot that no thread runs', async () => {
  await withKernel(async (kernel) => {
    const r = kernel.task.ctx.r;
    const t = r.task(r.maxTasks - 1);
    const saved = [r.w[t + L.T_STATE]!, r.w[t + L.T_PID]!];
    r.w[t + L.T_STATE] = L.TASK_STARTING;
    r.w[t + L.T_PID] = r.maxTasks;
    const problems = kernel.check();
    assert.ok(problems.some((p) => /starting but this kernel runs no thread for it/.test(p)), problems.join('\n'));
    [r.w[t + L.T_STATE], r.w[t + L.T_PID]] = saved as [number, number];
    assert.deepEqual(kernel.check(), []);
  });
});

test('close() frees what init held and refuses every later use; check(), snapshot() and usage() still work', async () => {
  const kernel = Kernel.create();
  const task = kernel.task;
  const port = task.createPort();
  port.bind('/srv/kept');
  task.createSemaphore(1);
  task.mailbox.trySend(1, 'to myself');
  const child = kernel.spawn(fixture('scenarios/fixtures/kernel-close-idle'));
  await kernel.close();
  assert.equal((await child.exited).code !== undefined, true, 'the task was terminated and reaped');
  const usage = kernel.usage();
  assert.equal(usage.objects, 0, 'every object of init is freed (port, semaphore, mailbox)');
  assert.equal(usage.bindings, 0);
  assert.deepEqual(kernel.check(), []);
  assert.ok(kernel.snapshot().tasks.length >= 1);
  assert.throws(() => task.createPort(), KernelClosedError);
  assert.throws(() => task.connect('/srv/kept'), KernelClosedError);
  assert.throws(() => port.bind('/srv/again'), KernelClosedError);
  assert.throws(() => task.createSemaphore(0), KernelClosedError);
  assert.throws(() => kernel.spawn(fixture('scenarios/fixtures/kernel-close-idle')), KernelClosedError);
  assert.equal(task.syscall(sys.SYS_IPC_CREATE_PORT, 0), -errno.ESHUTDOWN);
  assert.equal(await task.syscallAsync(sys.SYS_IPC_CREATE_PORT, 0), -errno.ESHUTDOWN);
  await assert.rejects(kernel.attachNetwork({} as never), KernelClosedError);
  assert.equal(kernel.close(), kernel.close(), 'close() is idempotent');
});

test("close() settles init's pending mailbox, keyboard, port, semaphore and wait-many operations, and the process exits by itself", () => {
  const script = fileURLToPath(fixture('scenarios/fixtures/kernel-close-exits'));
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.signal, null, `the process exited by itself (stderr: ${result.stderr})`);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), [
    'mailbox: KernelClosedError',
    'keyboard: KernelClosedError',
    'port: KernelClosedError',
    'semaphore: KernelClosedError',
    'waitAny: KernelClosedError',
    'closed',
  ]);
});
