/**
 * restrict (src/kernel/handle-ops.ts, behind a channel's sender and
 * receiver ends): the new handle has the intersection of the existing
 * rights and those asked for, so a restricted handle can never regain a
 * right: not by restricting again with every right, not by duplicating,
 * not by granting (and duplicating in the receiving task).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, RIGHTS_ALL, RIGHT_GRANT, RIGHT_READ, RIGHT_REVOKE, RIGHT_WRITE } from '../../src/index.js';
import { restrict } from '../../src/ops/handle-ops.js';
import { withKernel } from '../support/kernel.js';
import { Agent, createPort, info } from '../support/abi.js';

const T = { timeout: 30_000 };

test('restrict gives the intersection of the handle\'s rights and those asked for, for every pair of rights sets', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    for (let first = 0; first <= RIGHTS_ALL; first++) {
      const narrowed = restrict(t.ctx, p, first);
      assert.ok(narrowed > 0, `restrict(all, ${first})`);
      assert.equal(info(t, narrowed).rights, first);
      for (let second = 0; second <= RIGHTS_ALL; second++) {
        const again = restrict(t.ctx, narrowed, second);
        assert.ok(again > 0);
        assert.equal(info(t, again).rights, first & second, `restrict(restrict(all, ${first}), ${second})`);
        assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, again), 0);
      }
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, narrowed), 0);
    }
  });
});

test('a restricted handle never regains a right: restrict again with all rights, duplicate, grant and duplicate there', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    const sendAndShare = restrict(t.ctx, p, RIGHT_WRITE | RIGHT_GRANT);
    assert.equal(info(t, sendAndShare).rights, RIGHT_WRITE | RIGHT_GRANT);
    assert.equal(info(t, restrict(t.ctx, sendAndShare, RIGHTS_ALL)).rights, RIGHT_WRITE | RIGHT_GRANT, 'asking for all rights');
    assert.equal(info(t, restrict(t.ctx, sendAndShare, RIGHT_READ | RIGHT_REVOKE)).rights, 0, 'asking only for rights it lacks');
    assert.equal(info(t, t.syscall(S.SYS_HANDLE_DUPLICATE, sendAndShare)).rights, RIGHT_WRITE | RIGHT_GRANT, 'a duplicate');

    const a = await Agent.spawn(kernel);
    const there = t.syscall(S.SYS_HANDLE_GRANT, sendAndShare, a.pid);
    assert.ok(there > 0);
    assert.equal((await a.info(there)).info.rights, RIGHT_WRITE | RIGHT_GRANT, 'a grant');
    const dupThere = (await a.syscall(S.SYS_HANDLE_DUPLICATE, there)).r;
    assert.equal((await a.info(dupThere)).info.rights, RIGHT_WRITE | RIGHT_GRANT, 'a duplicate in the receiving task');

    const sendOnly = restrict(t.ctx, sendAndShare, RIGHT_WRITE | RIGHT_READ);
    assert.equal(info(t, sendOnly).rights, RIGHT_WRITE);
    assert.equal(t.syscall(S.SYS_HANDLE_DUPLICATE, sendOnly), -E.EPERM, 'without grant it cannot be copied at all');
    assert.equal(t.syscall(S.SYS_HANDLE_GRANT, sendOnly, a.pid), -E.EPERM);
    assert.equal(info(t, restrict(t.ctx, sendOnly, RIGHTS_ALL)).rights, RIGHT_WRITE);
    await a.exitWith(0);
  });
});
