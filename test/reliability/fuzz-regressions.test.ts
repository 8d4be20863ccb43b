/**
 * Regression tests for kernel bugs the ABI fuzzer (fuzz.test.ts) found,
 * each reduced to the smallest scenario that showed it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys } from '../../src/index.js';
import { EBADF } from '../../src/core/errno.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { waitBlocked } from '../support/blocked.js';

for (const abandon of [false, true]) {
  test(`a task that dies holding its own call, ${abandon ? 'abandoned' : 'received and unanswered'}, leaves no call slot behind`, async () => {
    await withKernel(async (kernel) => {
      const child = kernel.spawn(fixture('reliability/fixtures/fuzz-regress-self-call'), { data: { abandon } });
      assert.deepEqual(await child.exited, { code: 0 });
      await waitFor(() => kernel.usage().tasks === 1, 'the task to be reaped');
      assert.equal(kernel.usage().calls, 0, 'call slots in use after the only caller and server died');
      assert.deepEqual(kernel.check(), []);
    });
  });
}

test('HANDLE_WAIT through a handle that can see none of its events sleeps until the handle closes, however many messages the object holds', async () => {
  await withKernel(async (kernel) => {
    const parksBefore = kernel.snapshot().stats.parks;
    const child = kernel.spawn(fixture('reliability/fixtures/fuzz-regress-blind-wait'));
    assert.deepEqual(await within(child.exited, 20_000, 'the blind HANDLE_WAIT task'), { code: 0 });
    // A sleep or two per wait and per message: a busy retry loop parks thousands of times.
    const parks = kernel.snapshot().stats.parks - parksBefore;
    assert.ok(parks < 50, `the task parked ${parks} times`);
    await waitFor(() => kernel.usage().tasks === 1, 'the task to be reaped');
  });
});

test('an async SEM_WAIT that resumes after its semaphore was freed and its slot reused leaves the new semaphore a sound waiter count', async () => {
  await withKernel(async (kernel) => {
    const init = kernel.task;
    const semaphoreSlot = (): number => {
      const snapshot = kernel.snapshot();
      const ids = snapshot.objects.filter((o) => o.type === 'semaphore').map((o) => o.id);
      assert.equal(ids.length, 1);
      return (ids[0]! - 1) % snapshot.limits.maxObjects;
    };
    const first = init.syscall(sys.SYS_SEM_CREATE, 0);
    const slot = semaphoreSlot();
    const waiting = init.syscallAsync(sys.SYS_SEM_WAIT, first);
    await waitBlocked(kernel, init.pid);
    // Closing the only handle frees the semaphore; a new one takes its slot before the wait resumes.
    assert.equal(init.syscall(sys.SYS_HANDLE_CLOSE, first), 0);
    const second = init.syscall(sys.SYS_SEM_CREATE, 0);
    assert.ok(second > 0);
    assert.equal(semaphoreSlot(), slot, 'the new semaphore reuses the freed slot');
    assert.equal(await waiting, -EBADF);
    // A negative count would make SEM_POST skip the wake-up of the new semaphore's next sleeper.
    assert.deepEqual(kernel.check(), []);
    assert.equal(init.syscall(sys.SYS_SEM_CLOSE, second), 0);
  });
});
