/**
 * Semaphores through the numbered ABI: SEM_CREATE (230), SEM_WAIT (231),
 * SEM_TRYWAIT (232), SEM_POST (233), SEM_CLOSE (234). Count semantics, the
 * limits (0..2^31-1), rights, every errno, Strat9's self-test scenario 3's semaphore part
 * (created at 0: TRYWAIT is EAGAIN; a waiter blocked in another task is
 * released by a post from a third), several waiters, a waiter killed while
 * blocked, a waiter whose handle is revoked, and the object's lifetime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, OBJ_SEMAPHORE, RIGHTS_ALL, RIGHT_READ, RIGHT_WRITE } from '../../src/index.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { Agent, createPort, info, objectInfo } from '../support/abi.js';
import { taskInfo } from '../support/blocked.js';
import { assertRevokedWake, createSem, grant, narrowed, raceSpinningWaiter, track, withSemaphore, type ObjectRig } from './fixtures/object-rig.js';
import { waitBlockedOn } from '../support/blocked.js';

const T = { timeout: 30_000 };
const MAX = 2 ** 31 - 1;

/** Waits until `agent` is parked in SEM_WAIT (or HANDLE_WAIT) on semaphore `id`. */
function parked(rig: ObjectRig, agent: Agent): Promise<void> {
  return waitBlockedOn(rig.kernel, agent.pid, 'semaphore', 'readable', rig.id);
}

test('SEM_CREATE: a semaphore with the initial count and every right; freed with its last handle', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    for (const [initial, count] of [[0, 0], [5, 5], [3n, 3], [MAX, MAX]] as const) {
      const s = t.syscall(S.SYS_SEM_CREATE, initial);
      assert.ok(s > 0, `SEM_CREATE(${initial}) returned ${s}`);
      const i = info(t, s);
      assert.deepEqual([i.type, i.rights], [OBJ_SEMAPHORE, RIGHTS_ALL]);
      const o = objectInfo(kernel, i.id)!;
      assert.deepEqual([o.type, o.count, o.destroyed, o.refs], ['semaphore', count, false, 1]);
      const u = kernel.usage();
      assert.deepEqual([u.objects, u.handles, u.pages, u.messageSlots], [base.objects + 1, base.handles + 1, base.pages, base.messageSlots]);
      assert.equal(t.syscall(S.SYS_SEM_CLOSE, s), 0);
      assert.deepEqual(kernel.usage(), base);
    }
    const a = createSem(t, 1);
    const b = createSem(t, 1);
    assert.notEqual(info(t, a).id, info(t, b).id);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, a), 0, 'HANDLE_CLOSE closes a semaphore handle too');
    assert.equal(t.syscall(S.SYS_SEM_CLOSE, b), 0);
    assert.deepEqual(kernel.usage(), base);
    assert.deepEqual(kernel.snapshot().objects, []);
  });
});

test('SEM_CREATE with a negative, too large or non-integer initial count is -EINVAL and allocates nothing', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    for (const bad of [-1, -(2 ** 31), 2 ** 31, 2 ** 32, 2 ** 53, 0.5, NaN, Infinity, -Infinity, '1', '', null, undefined, {}, -1n, 2n ** 31n]) {
      assert.equal(t.syscall(S.SYS_SEM_CREATE, bad), -E.EINVAL, `SEM_CREATE(${String(bad)})`);
    }
    assert.deepEqual(kernel.usage(), base);
  });
});

test('count semantics: N posts allow exactly N takes (TRYWAIT or WAIT), the next TRYWAIT is -EAGAIN', T, async () => {
  await withSemaphore(0, { leakCheck: false }, ({ kernel, t, h: s, id }) => {
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), -E.EAGAIN, 'created at 0');
    const N = 7;
    for (let i = 0; i < N; i++) assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.equal(objectInfo(kernel, id)!.count, N);
    for (let i = 0; i < N; i++) {
      assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), 0, `take #${i}`);
      assert.equal(objectInfo(kernel, id)!.count, N - 1 - i);
    }
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), -E.EAGAIN, `take #${N}`);
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), -E.EAGAIN, 'and again: the failed take did not go negative');
    assert.equal(objectInfo(kernel, id)!.count, 0);

    // SEM_WAIT with a positive count returns at once.
    for (let i = 0; i < 3; i++) assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    for (let i = 0; i < 3; i++) assert.equal(t.syscall(S.SYS_SEM_WAIT, s), 0);
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), -E.EAGAIN);

    const five = createSem(t, 5);
    for (let i = 0; i < 5; i++) assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, five), 0);
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, five), -E.EAGAIN, 'the initial count is taken like posts');
  });
});

test('SEM_POST at 2^31-1 is -EINVAL and leaves the count unchanged', T, async () => {
  await withSemaphore(MAX, { leakCheck: false }, ({ kernel, t, h: s, id }) => {
    assert.equal(t.syscall(S.SYS_SEM_POST, s), -E.EINVAL);
    assert.equal(objectInfo(kernel, id)!.count, MAX);
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), 0);
    assert.equal(objectInfo(kernel, id)!.count, MAX - 1);
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0, 'room for one again');
    assert.equal(t.syscall(S.SYS_SEM_POST, s), -E.EINVAL);
    assert.equal(objectInfo(kernel, id)!.count, MAX);
  });
});

test('bad, closed and wrong-type handles are -EBADF for SEM_WAIT (without blocking), SEM_TRYWAIT, SEM_POST and SEM_CLOSE', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const s = createSem(t, 0);
    const all = (h: unknown) => [
      t.syscall(S.SYS_SEM_TRYWAIT, h),
      t.syscall(S.SYS_SEM_POST, h),
      t.syscall(S.SYS_SEM_CLOSE, h),
    ];
    for (const h of [0, -1, 999, 2 ** 31, NaN, 1.5, 'x', undefined]) {
      assert.deepEqual(all(h), [-E.EBADF, -E.EBADF, -E.EBADF], `handle ${String(h)}`);
      assert.equal(await within(t.syscallAsync(S.SYS_SEM_WAIT, h), 5000, `SEM_WAIT(${String(h)})`), -E.EBADF);
      assert.equal(t.syscall(S.SYS_SEM_WAIT, h), -E.EBADF);
    }
    for (const closer of [S.SYS_SEM_CLOSE, S.SYS_HANDLE_CLOSE]) {
      const d = t.syscall(S.SYS_HANDLE_DUPLICATE, s);
      assert.ok(d > 0);
      assert.equal(t.syscall(closer, d), 0);
      assert.equal(t.syscall(S.SYS_SEM_WAIT, d), -E.EBADF, 'a closed handle, count 0: no sleep');
      assert.deepEqual(all(d), [-E.EBADF, -E.EBADF, -E.EBADF]);
    }
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0, 'the live handle is untouched');
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), 0);

    const gone = createSem(t, 3);
    assert.equal(t.syscall(S.SYS_SEM_CLOSE, gone), 0);
    assert.deepEqual(all(gone), [-E.EBADF, -E.EBADF, -E.EBADF], 'the semaphore is gone with its last handle');

    const p = createPort(t);
    const c = t.syscall(S.SYS_CHAN_CREATE, 2);
    const ring = t.syscall(S.SYS_IPC_RING_CREATE, 4096);
    assert.ok(c > 0 && ring > 0);
    for (const [name, h] of [['port', p], ['channel', c], ['ring', ring]] as const) {
      assert.equal(t.syscall(S.SYS_SEM_WAIT, h), -E.EBADF, `SEM_WAIT on a ${name}`);
      assert.deepEqual(all(h), [-E.EBADF, -E.EBADF, -E.EBADF], `a ${name} handle`);
    }
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0), 2, 'the channel is still open');
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, p, 0), 0, 'the port is still open');
    assert.ok(t.syscall(S.SYS_IPC_RING_MAP, ring, 0) > 0, 'the ring is still open');
  });
});

test('rights: taking needs read, posting needs write (-EPERM, the count does not change, SEM_WAIT does not block)', T, async () => {
  await withSemaphore(0, {}, async ({ kernel, t, h: s, id }) => {
    const ro = narrowed(t, s, RIGHT_READ);
    const wo = narrowed(t, s, RIGHT_WRITE);
    assert.deepEqual([info(t, ro).rights, info(t, wo).rights], [RIGHT_READ, RIGHT_WRITE]);
    assert.equal(t.syscall(S.SYS_SEM_POST, ro), -E.EPERM);
    assert.equal(objectInfo(kernel, id)!.count, 0);
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, wo), -E.EPERM);
    assert.equal(await within(t.syscallAsync(S.SYS_SEM_WAIT, wo), 5000, 'SEM_WAIT without read'), -E.EPERM);
    assert.equal(t.syscall(S.SYS_SEM_WAIT, wo), -E.EPERM);
    assert.equal(t.syscall(S.SYS_SEM_POST, wo), 0, 'a write-only handle posts');
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, wo), -E.EPERM, 'and cannot take even with a count');
    assert.equal(t.syscall(S.SYS_SEM_WAIT, wo), -E.EPERM);
    assert.equal(objectInfo(kernel, id)!.count, 1);
    assert.equal(t.syscall(S.SYS_SEM_WAIT, ro), 0, 'a read-only handle takes');
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, ro), -E.EAGAIN);
    for (const h of [ro, wo, s]) assert.equal(t.syscall(S.SYS_SEM_CLOSE, h), 0, 'closing needs no right');
  });
});

test('scenario 3: a semaphore created at 0 is -EAGAIN on TRYWAIT; a waiter blocked in another task is released by a post from a third task, then by one from init', T, async () => {
  await withSemaphore(0, { agents: 2, grant: true }, async (rig) => {
    const { kernel, t, h: s, id, agents: [waiter, poster], grants: [gw, gp] } = rig;
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), -E.EAGAIN);
    assert.equal((await waiter.syscall(S.SYS_SEM_TRYWAIT, gw)).r, -E.EAGAIN, 'TRYWAIT from another task too');

    waiter.start(S.SYS_SEM_WAIT, gw);
    await parked(rig, waiter);
    assert.equal(objectInfo(kernel, id)!.waiters.receivers, 1);
    assert.equal((await poster.syscall(S.SYS_SEM_POST, gp)).r, 0);
    assert.equal((await within(waiter.result(), 10_000, 'the waiter')).r, 0, 'released by the post');
    assert.equal(objectInfo(kernel, id)!.count, 0, 'the waiter took the posted unit');
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), -E.EAGAIN);

    waiter.start(S.SYS_SEM_WAIT, gw);
    await parked(rig, waiter);
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.equal((await within(waiter.result(), 10_000, 'the waiter')).r, 0);
    assert.equal(objectInfo(kernel, id)!.count, 0);

    await waiter.exitWith(0);
    await poster.exitWith(0);
    assert.equal(t.syscall(S.SYS_SEM_CLOSE, s), 0);
  });
});

test('init blocked in SEM_WAIT from async code (syscallAsync) is released by a post from another thread', T, async () => {
  await withSemaphore(0, { agents: 1, grant: true, leakCheck: false }, async ({ kernel, t, h: s, id, agents: [a], grants: [g] }) => {
    const waiting = track(t.syscallAsync(S.SYS_SEM_WAIT, s));
    await waitBlockedOn(kernel, t.pid, 'semaphore', 'readable', id);
    assert.equal(waiting.settled, false);
    assert.equal((await a.syscall(S.SYS_SEM_POST, g)).r, 0);
    assert.equal(await within(waiting.promise, 10_000, 'the async wait'), 0);
    assert.equal(objectInfo(kernel, id)!.count, 0);
    await a.exitWith(0);
  });
});

test('several waiters in several tasks: each post releases exactly one of them', T, async () => {
  await withSemaphore(0, { agents: 3, grant: true }, async (rig) => {
    const { kernel, t, h: s, id, agents, grants } = rig;
    const results = agents.map((a, i) => {
      a.start(S.SYS_SEM_WAIT, grants[i]);
      return track(a.result());
    });
    for (const a of agents) await parked(rig, a);
    for (let released = 1; released <= agents.length; released++) {
      assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
      await waitFor(() => results.filter((r) => r.settled).length === released, `${released} waiter(s) to be released`);
      await waitFor(() => agents.filter((a) => taskInfo(kernel, a.pid)?.blockedOn?.type === 'semaphore').length === agents.length - released, 'the others to stay parked');
      assert.equal(results.filter((r) => r.settled).length, released, 'one post, one waiter');
      assert.equal(objectInfo(kernel, id)!.count, 0);
    }
    for (const r of results) assert.equal((await r.promise).r, 0);
    for (const a of agents) await a.exitWith(0);
    assert.equal(t.syscall(S.SYS_SEM_CLOSE, s), 0);
  });
});

test('a task terminated while blocked in SEM_WAIT takes nothing: the other waiter gets the next post, the one after stays counted', T, async () => {
  await withSemaphore(0, { agents: 2, grant: true }, async (rig) => {
    const { kernel, t, h: s, id, agents: [a, b], grants: [ga, gb] } = rig;
    a.start(S.SYS_SEM_WAIT, ga);
    b.start(S.SYS_SEM_WAIT, gb);
    await parked(rig, a);
    await parked(rig, b);
    await a.terminate();
    await waitFor(() => objectInfo(kernel, id)!.refs === 2, 'the dead task\'s handle to be released');
    // The release woke every waiter to look again: the other waiter parks again.
    await parked(rig, b);
    assert.equal(objectInfo(kernel, id)!.waiters.receivers, 1);

    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.equal((await within(b.result(), 10_000, 'the surviving waiter')).r, 0);
    assert.equal(objectInfo(kernel, id)!.count, 0);
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.equal(objectInfo(kernel, id)!.count, 1, 'nobody else takes it');
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), 0);
    await b.exitWith(0);
    assert.equal(t.syscall(S.SYS_SEM_CLOSE, s), 0);
  });
});

test('a waiter blocked in SEM_WAIT wakes with -EBADF when its handle is revoked, and takes nothing', T, async () => {
  await withSemaphore(0, { agents: 1, grant: true, leakCheck: false }, async (rig) => {
    const { kernel, t, h: s, id, agents: [a], grants: [g] } = rig;
    a.start(S.SYS_SEM_WAIT, g);
    await parked(rig, a);
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, s), 1);
    await assertRevokedWake(a, 'the waiter on a revoked handle');
    assert.equal((await a.syscall(S.SYS_SEM_POST, g)).r, -E.EBADF);
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.equal(objectInfo(kernel, id)!.count, 1, 'the revoked waiter did not take the unit');
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), 0);
    await a.exitWith(0);
  });
});

test('a semaphore has no owner: it outlives its creator while a handle remains, and dies with a task holding the only handle', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_SEM_CREATE, 2)).r;
    assert.ok(h > 0);
    assert.equal((await a.syscall(S.SYS_SEM_POST, h)).r, 0);
    const g = (await a.syscall(S.SYS_HANDLE_GRANT, h, t.pid)).r;
    assert.ok(g > 0);
    const id = info(t, g).id;
    await a.exitWith(0);
    assert.deepEqual([objectInfo(kernel, id)!.count, objectInfo(kernel, id)!.refs], [3, 1]);
    for (let i = 0; i < 3; i++) assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, g), 0);
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, g), -E.EAGAIN);
    assert.equal(t.syscall(S.SYS_SEM_CLOSE, g), 0);
    assert.deepEqual(kernel.usage(), base);

    const b = await Agent.spawn(kernel);
    assert.ok((await b.syscall(S.SYS_SEM_CREATE, 0)).r > 0);
    assert.equal(kernel.snapshot().objects.filter((o) => o.type === 'semaphore').length, 1);
    await b.terminate();
    await waitFor(() => kernel.usage().objects === base.objects, 'the semaphore to be freed');
    assert.deepEqual(kernel.usage(), base);
  });
});

test('a revoke reaches a SEM_WAIT / HANDLE_WAIT that has passed its handle check but not yet parked: -EBADF, not a sleep until the next post', T, async () => {
  // With a long spin (0.5 s) the waiter is caught between its handle check
  // and its futex sleep, watching the count word: the window in which a
  // revoke's wake-up must not be lost. With the default 50 us spin the
  // window is short, but a descheduled thread hits it (then the revoke test
  // above hangs).
  const problems: string[] = [];
  for (const op of ['sem-wait', 'handle-wait'] as const) {
    await withKernel(
      async (kernel) => {
        const t = kernel.task;
        const s = createSem(t, 0);
        const d = t.syscall(S.SYS_HANDLE_DUPLICATE, s);
        assert.ok(d > 0);
        const got = await raceSpinningWaiter(
          kernel,
          op,
          (pid) => grant(t, d, pid),
          () => assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, d), 1),
          () => assert.equal(t.syscall(S.SYS_SEM_POST, s), 0),
        );
        if (got.lost) {
          const after = got.afterRescue === undefined ? 'still asleep after a SEM_POST' : `returned ${got.afterRescue} only after a SEM_POST`;
          problems.push(`${op} on a handle revoked while it spun before parking slept through the revoke (${after}), expected ${-E.EBADF} at once`);
        } else {
          assert.equal(got.result, -E.EBADF, op);
        }
      },
      { spin: 500_000, maxSpinners: 8 },
    );
  }
  assert.deepEqual(problems, []);
});
