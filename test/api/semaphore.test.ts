/**
 * Semaphores through the typed API (task.createSemaphore, task.semaphore)
 * across real worker-thread tasks: tryAcquire/release and the count,
 * waiters in other tasks released by release() (one, and several released
 * back to back), timeouts and AbortSignal, guards that release on dispose,
 * mutual exclusion of a shared counter by 4 tasks, revocation, and a task
 * terminated while blocked in acquire.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BadHandleError,
  InterruptedError,
  InvalidArgumentError,
  OBJ_SEMAPHORE,
  RIGHTS_ALL,
  type Kernel,
  type ObjectInfo,
  type Semaphore,
  type TaskHandle,
} from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { kipcError, timedOut } from '../support/errors.js';
import { tick, waitFor, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { SEM } from './fixtures/typed-api.js';
import { controlWords, setWord } from '../support/control-words.js';
import { isBlockedOn, taskInfo } from '../support/blocked.js';
import { H_SPINNERS } from '../../src/core/layout.js';

// Sync acquires block init's own thread: a kernel hang there is caught by the watchdog.
const watchdog = startWatchdog(90_000, 'semaphore API tests');
after(() => watchdog.stop());

const T = { timeout: 60_000 };

function semInfo(kernel: Kernel, sem: Semaphore): ObjectInfo {
  const id = sem.info().objectId;
  const o = kernel.snapshot().objects.find((x) => x.id === id);
  assert.ok(o, `semaphore ${id} exists`);
  return o;
}
const countOf = (kernel: Kernel, sem: Semaphore): number => semInfo(kernel, sem).count!;

interface Worker {
  task: TaskHandle;
  index: number;
}
/** Spawns sem-worker `index` with `data` and grants it `sem`. */
function startWorker(kernel: Kernel, c: Int32Array, sem: Semaphore, index: number, data: Record<string, unknown>): Worker {
  const task = kernel.spawn(fixture('api/fixtures/semaphore-worker'), { data: { ctl: c.buffer, index, ...data } });
  setWord(c, SEM.handle + index, sem.grant(task.pid));
  return { task, index };
}
async function blockedInAcquire(kernel: Kernel, sem: Semaphore, pids: number[]): Promise<void> {
  const id = sem.info().objectId;
  await waitFor(() => {
    const snap = kernel.snapshot();
    return pids.every((pid) => isBlockedOn(snap, pid, 'semaphore', 'readable', id));
  }, `tasks ${pids.join(', ')} to block in acquire`);
}
async function finished(workers: Worker[], what: string, timeoutMs = 15_000): Promise<void> {
  const exits = await within(Promise.all(workers.map((w) => w.task.exited)), timeoutMs, what);
  exits.forEach((exit, i) => assert.equal(exit.code, 0, `worker ${workers[i]!.index}: ${exit.error ?? ''}`));
}

test('createSemaphore / tryAcquire / release in one task: the count, tryAcquire false at 0, limits, BadHandleError once closed', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const sem = init.createSemaphore(2);
    const i = sem.info();
    assert.deepEqual([i.type, i.rights], [OBJ_SEMAPHORE, RIGHTS_ALL]);
    assert.equal(countOf(kernel, sem), 2);
    assert.equal(sem.tryAcquire(), true);
    assert.equal(sem.tryAcquire(), true);
    assert.equal(sem.tryAcquire(), false, 'count 0: tryAcquire does not block');
    assert.equal(countOf(kernel, sem), 0);
    sem.release();
    assert.equal(countOf(kernel, sem), 1);
    sem.acquire(); // available: returns at once
    assert.equal(countOf(kernel, sem), 0);
    const zero = init.createSemaphore();
    assert.equal(countOf(kernel, zero), 0, 'the initial count defaults to 0');
    assert.equal(zero.tryAcquire(), false);
    zero.close();
    const wrapped = init.semaphore(sem.handle);
    wrapped.release();
    assert.equal(countOf(kernel, sem), 1, 'task.semaphore wraps a raw handle of the same semaphore');
    assert.equal(sem.tryAcquire(), true);

    assert.throws(() => init.createSemaphore(-1), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    assert.throws(() => init.createSemaphore(2 ** 31), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    assert.throws(() => init.createSemaphore(1.5), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    const full = init.createSemaphore(2 ** 31 - 1);
    assert.throws(() => full.release(), kipcError(InvalidArgumentError, 22, 'EINVAL'), 'release at 2^31-1');
    assert.equal(countOf(kernel, full), 2 ** 31 - 1);

    const dup = sem.duplicate();
    sem.close();
    assert.throws(() => sem.tryAcquire(), kipcError(BadHandleError, 9, 'EBADF'));
    assert.throws(() => sem.release(), kipcError(BadHandleError, 9, 'EBADF'));
    assert.throws(() => sem.acquire(), kipcError(BadHandleError, 9, 'EBADF'));
    await assert.rejects(sem.acquireAsync(), kipcError(BadHandleError, 9, 'EBADF'));
    dup.release();
    assert.equal(dup.tryAcquire(), true, 'the duplicate names the same semaphore, which lives on');
    dup.close();
    full.close();
    assert.deepEqual(kernel.snapshot().objects, [], 'each semaphore is freed with its last handle');
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('a task blocked in acquire / acquireAsync is released by release() from init; init blocked in acquire / acquireAsync is released by a task', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const c = controlWords(SEM.words);
    const sem = init.createSemaphore(0);

    for (const [index, mode] of [
      [0, 'acquire'],
      [1, 'acquireAsync'],
    ] as const) {
      const w = startWorker(kernel, c, sem, index, { mode });
      await blockedInAcquire(kernel, sem, [w.task.pid]);
      assert.equal(Atomics.load(c, SEM.state + index), 1, `${mode}: still waiting`);
      assert.equal(semInfo(kernel, sem).waiters.receivers, 1);
      sem.release();
      await finished([w], `the ${mode} waiter to be released`);
      assert.equal(Atomics.load(c, SEM.state + index), 3, `${mode}: acquired (error ${Atomics.load(c, SEM.error + index)})`);
      assert.equal(countOf(kernel, sem), 0, 'the waiter took the unit');
    }

    // The other way round: init waits (sync, then async); a task releases once it sees init blocked.
    const releaser = startWorker(kernel, c, sem, 2, { mode: 'release', count: 2, whenBlocked: 1 });
    setWord(c, SEM.go + 2, 1);
    sem.acquire({ timeout: 20_000 }); // init's thread sleeps here until the task's first release
    await within(init.semaphore(sem.handle).acquireAsync(), 10_000, "the second release to reach init's acquireAsync");
    await finished([releaser], 'the releaser to exit');
    assert.equal(countOf(kernel, sem), 0);
    sem.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('releases back to back wake as many blocked waiters: 3 tasks blocked (the first one slow to act on its wake-up), 3 releases in a row, nobody closes a handle', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const c = controlWords(SEM.words);
    const sem = init.createSemaphore(0);
    // `hold`: a task keeps its handle after acquiring (a handle closing wakes every waiter, which would hide a lost wake-up).
    // The first waiter parks first, then keeps its thread blocked until told: it takes its unit only after all three releases.
    const slow = startWorker(kernel, c, sem, 0, { mode: 'acquireAsync', stall: true, hold: true });
    await blockedInAcquire(kernel, sem, [slow.task.pid]);
    const others = [1, 2].map((index) => startWorker(kernel, c, sem, index, { mode: 'acquire', hold: true }));
    const workers = [slow, ...others];
    await blockedInAcquire(kernel, sem, workers.map((w) => w.task.pid));
    sem.release();
    sem.release();
    sem.release();
    setWord(c, SEM.unstall, 1);
    try {
      await waitFor(() => workers.every((w) => Atomics.load(c, SEM.state + w.index) === 2), 'every waiter to acquire', 5_000);
    } catch (e) {
      const states = workers.map((w) => Atomics.load(c, SEM.state + w.index));
      const info = semInfo(kernel, sem);
      throw new Error(
        `${(e as Error).message}: worker states ${states.join(', ')} (2 = acquired, 1 = still waiting), semaphore count ${info.count}, tasks parked on it ${info.waiters.receivers}: ` +
          'units are free while tasks sleep in acquire (lost wake-up)',
      );
    } finally {
      for (const w of workers) setWord(c, SEM.go + w.index, 1);
      await within(Promise.all(workers.map((w) => w.task.terminate())), 10_000, 'the workers to stop');
    }
    assert.equal(countOf(kernel, sem), 0);
    sem.close();
  });
});

test('timeouts and AbortSignal: TimeoutError from acquire/acquireAsync/lock/lockAsync; InterruptedError with the reason as cause; an abandoned waiter takes nothing and passes its wake-up on', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const c = controlWords(SEM.words);
    const sem = init.createSemaphore(0);
    assert.throws(() => sem.acquire({ timeout: 20 }), timedOut);
    assert.throws(() => sem.lock({ timeout: 0 }), timedOut);
    await assert.rejects(sem.acquireAsync({ timeout: 20 }), timedOut);
    await assert.rejects(sem.lockAsync({ timeout: 20 }), timedOut);
    assert.equal(countOf(kernel, sem), 0);

    const pre = new AbortController();
    pre.abort(new Error('already'));
    sem.release();
    await assert.rejects(sem.acquireAsync({ signal: pre.signal }), kipcError(InterruptedError, 4, 'EINTR', pre.signal.reason));
    assert.equal(countOf(kernel, sem), 1, 'an already aborted signal takes nothing, even when a unit is there');
    assert.equal(sem.tryAcquire(), true);

    // Abort a waiting acquireAsync, then let a task block behind it: the next release must reach the task.
    const abort = new AbortController();
    const reason = new Error('give up');
    const pending = sem.acquireAsync({ signal: abort.signal });
    await waitFor(() => isBlockedOn(kernel.snapshot(), 1, 'semaphore', 'readable'), 'init to park in acquireAsync');
    abort.abort(reason);
    await assert.rejects(pending, kipcError(InterruptedError, 4, 'EINTR', reason));
    assert.equal(semInfo(kernel, sem).waiters.receivers, 0, 'init no longer counts as a waiter');
    const w = startWorker(kernel, c, sem, 0, { mode: 'acquire' });
    await blockedInAcquire(kernel, sem, [w.task.pid]);
    sem.release();
    await finished([w], 'the task blocked behind the aborted waiter to get the unit');
    assert.equal(Atomics.load(c, SEM.state), 3);
    assert.equal(countOf(kernel, sem), 0, 'the aborted waiter took nothing');

    // An abort racing a release: either the unit was taken (resolved) or it is still there.
    for (let i = 0; i < 20; i++) {
      const ac = new AbortController();
      const p = sem.acquireAsync({ signal: ac.signal }).then(
        () => 'acquired',
        (e: unknown) => {
          assert.ok(e instanceof InterruptedError);
          return 'aborted';
        },
      );
      await tick(1);
      sem.release();
      ac.abort();
      const outcome = await within(p, 5_000, 'acquireAsync to settle');
      assert.equal(countOf(kernel, sem), outcome === 'acquired' ? 0 : 1, `round ${i}: ${outcome}, and the count agrees`);
      if (outcome === 'aborted') assert.equal(sem.tryAcquire(), true);
    }
    sem.close();
  });
});

test('guards: lock() with `using` releases on scope exit, also when the body throws; lockAsync; a guard released twice gives back one unit', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const sem = init.createSemaphore(1);
    {
      using guard = sem.lock();
      assert.equal(countOf(kernel, sem), 0, 'held inside the scope');
      assert.ok(guard);
      assert.equal(sem.tryAcquire(), false);
    }
    assert.equal(countOf(kernel, sem), 1, 'released at the end of the scope');
    assert.throws(() => {
      using _held = sem.lock();
      throw new RangeError('boom');
    }, RangeError);
    assert.equal(countOf(kernel, sem), 1, 'released when the scope throws');
    {
      using _held = await sem.lockAsync({ timeout: 5_000 });
      assert.equal(countOf(kernel, sem), 0);
      await assert.rejects(sem.lockAsync({ timeout: 20 }), timedOut, 'held: a second lock waits');
    }
    assert.equal(countOf(kernel, sem), 1);
    const guard = sem.lock();
    guard.release();
    guard.release();
    guard[Symbol.dispose]();
    assert.equal(countOf(kernel, sem), 1, 'one unit back, not three');
    sem.close();
  });
});

test('mutual exclusion: 4 tasks (2 with lock(), 2 with lockAsync()) increment a shared counter non-atomically under a semaphore of 1; the count is exact and no two are ever inside', T, async (t) => {
  const TASKS = 4;
  const ITERATIONS = 2_000;
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const c = controlWords(SEM.words);
    const counter = new SharedArrayBuffer(4);
    const sem = kernel.task.createSemaphore(1);
    const started = performance.now();
    const workers = Array.from({ length: TASKS }, (_, index) =>
      startWorker(kernel, c, sem, index, { mode: index % 2 === 0 ? 'counter' : 'counterAsync', iterations: ITERATIONS, counter, spinMicros: 2 }),
    );
    sem.close(); // the tasks' handles keep it alive
    await finished(workers, 'the counting tasks');
    t.diagnostic(`${TASKS * ITERATIONS} critical sections in ${Math.round(performance.now() - started)} ms`);
    workers.forEach((w) => assert.equal(Atomics.load(c, SEM.state + w.index), 3, `worker ${w.index} (error ${Atomics.load(c, SEM.error + w.index)})`));
    assert.equal(Atomics.load(c, SEM.violations), 0, 'never two tasks inside');
    assert.equal(new Int32Array(counter)[0], TASKS * ITERATIONS, 'no update lost');
    assert.deepEqual(kernel.usage(), baseline, 'the semaphore is freed with the last task handle');
  });
});

for (const mode of ['acquire', 'acquireAsync'] as const) {
  test(`revoking the semaphore wakes a task parked in ${mode} with BadHandleError`, T, async () => {
    await withGuardedKernel(async (kernel) => {
      const c = controlWords(SEM.words);
      const sem = kernel.task.createSemaphore(0);
      const w = startWorker(kernel, c, sem, 0, { mode });
      await blockedInAcquire(kernel, sem, [w.task.pid]);
      assert.equal(sem.revoke(), 1, "one derived handle: the task's");
      try {
        await finished([w], 'the revoked waiter to wake', 5_000);
      } finally {
        await w.task.terminate();
      }
      assert.equal(Atomics.load(c, SEM.state), 4);
      assert.equal(Atomics.load(c, SEM.error), 9, 'EBADF');
      sem.release();
      assert.equal(sem.tryAcquire(), true, "init's own handle still works");
      sem.close();
    });
  });

  test(`revoking the semaphore while a task is still spinning in ${mode} (a kernel with a 300 ms spin) wakes it with BadHandleError`, T, async () => {
    await withGuardedKernel(
      async (kernel) => {
        const words = new Int32Array(kernel.buffer);
        const c = controlWords(SEM.words);
        const sem = kernel.task.createSemaphore(0);
        const w = startWorker(kernel, c, sem, 0, { mode });
        // The waiter found the count at 0 and spins before it parks: revoke its handle now.
        await waitFor(() => Atomics.load(words, H_SPINNERS) > 0 && Atomics.load(c, SEM.state) === 1, 'the waiter to spin in acquire');
        assert.equal(sem.revoke(), 1);
        try {
          await finished([w], 'the waiter whose handle was revoked while it spun to wake', 5_000);
        } catch (e) {
          const t = taskInfo(kernel, w.task.pid);
          throw new Error(
            `${(e as Error).message}: the task holds ${t?.handles} handles and is ${t?.state} on ${t?.blockedOn?.type}; ` +
              'the revoke must move a word the spinning waiter watches, or it re-checks an unchanged count after its spin and sleeps for good',
          );
        } finally {
          await w.task.terminate();
        }
        assert.equal(Atomics.load(c, SEM.error), 9, 'EBADF');
        sem.close();
      },
      { spin: 300_000, maxSpinners: 2 },
    );
  });
}

test('a task terminated while blocked in acquire: the other waiter still gets the next release, and the semaphore keeps counting', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const c = controlWords(SEM.words);
    const sem = kernel.task.createSemaphore(0);
    const victim = startWorker(kernel, c, sem, 0, { mode: 'acquire' });
    const survivor = startWorker(kernel, c, sem, 1, { mode: 'acquire' });
    const asyncVictim = startWorker(kernel, c, sem, 2, { mode: 'acquireAsync' });
    await blockedInAcquire(kernel, sem, [victim.task.pid, survivor.task.pid, asyncVictim.task.pid]);
    assert.equal(semInfo(kernel, sem).waiters.receivers, 3);
    await within(victim.task.terminate(), 10_000, 'the blocked task to be terminated');
    await within(asyncVictim.task.terminate(), 10_000, 'the async blocked task to be terminated');
    // A task's death wakes the semaphore's waiters to re-check; the survivor goes back to sleep.
    await blockedInAcquire(kernel, sem, [survivor.task.pid]);
    assert.equal(semInfo(kernel, sem).waiters.receivers, 1, 'only the survivor waits');
    assert.equal(semInfo(kernel, sem).refs, 2, 'the dead tasks\' handles were released');
    assert.equal(countOf(kernel, sem), 0, 'the dead waiters took nothing');
    sem.release();
    await finished([survivor], 'the surviving waiter to be released');
    assert.equal(Atomics.load(c, SEM.state + 1), 3);
    assert.equal(countOf(kernel, sem), 0);
    sem.release();
    assert.equal(sem.tryAcquire(), true);
    assert.equal(sem.tryAcquire(), false);
    sem.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});
