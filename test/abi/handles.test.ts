/**
 * The handle syscalls 1-6: HANDLE_DUPLICATE, HANDLE_CLOSE, HANDLE_GRANT,
 * HANDLE_REVOKE, HANDLE_INFO (HANDLE_WAIT has its own suite). Success paths,
 * rights, stale handles, full tables, and grants and revokes that cross
 * into another task (a real worker thread driven through the agent fixture).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, type Kernel, OBJ_PORT, RIGHTS_ALL, RIGHT_WRITE } from '../../src/index.js';
import { withKernel } from '../support/kernel.js';
import { within } from '../support/wait.js';
import { Agent, bind, connect, createPort, info, readInfo, send, tryRecv } from '../support/abi.js';
import { taskInfo } from '../support/blocked.js';

const T = { timeout: 20_000 };

test('HANDLE_DUPLICATE: a new handle to the same object with the same rights; the port lives while its owner holds either', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const p = createPort(t);
    const d = t.syscall(S.SYS_HANDLE_DUPLICATE, p);
    assert.ok(d > 0, `duplicate returned ${d}`);
    assert.notEqual(d, p);
    assert.deepEqual(info(t, d), info(t, p));
    assert.equal(kernel.usage().handles, base.handles + 2);
    assert.equal(kernel.usage().objects, base.objects + 1, 'still one object');

    assert.equal(send(t, d, { type: 5 }), 0, 'send through the duplicate');
    const got = tryRecv(t, p);
    assert.equal(got.r, 0, 'receive through the original');
    assert.equal(got.m.type, 5);

    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.equal(send(t, d, { type: 6 }), 0, 'the port outlives the first of its owner handles');
    assert.equal(tryRecv(t, d).m.type, 6);
    assert.equal(t.syscall(S.SYS_HANDLE_DUPLICATE, p), -E.EBADF, 'duplicate of a closed handle');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, d), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('HANDLE_DUPLICATE, HANDLE_GRANT and HANDLE_REVOKE need their right: a connect handle (write only) gets -EPERM', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    assert.equal(bind(t, p, '/abi/rights'), 0);
    const c = connect(t, '/abi/rights');
    assert.ok(c > 0);
    assert.equal(info(t, c).rights, RIGHT_WRITE);
    const before = kernel.usage();
    assert.equal(t.syscall(S.SYS_HANDLE_DUPLICATE, c), -E.EPERM);
    assert.equal(t.syscall(S.SYS_HANDLE_GRANT, c, t.pid), -E.EPERM);
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, c), -E.EPERM);
    assert.deepEqual(kernel.usage(), before, 'no handle was made');
    // The handle itself still works for what it may do.
    assert.equal(send(t, c, { type: 1 }), 0);
    assert.equal(tryRecv(t, p).r, 0);
  });
});

test('a full handle table is -ENOSPC for every syscall that makes a handle in it, and nothing else changes', T, async () => {
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      const p = createPort(t);
      assert.equal(bind(t, p, '/abi/full'), 0);
      const d1 = t.syscall(S.SYS_HANDLE_DUPLICATE, p);
      const d2 = t.syscall(S.SYS_HANDLE_DUPLICATE, p);
      assert.ok(d1 > 0 && d2 > 0);
      const before = kernel.snapshot();
      assert.equal(t.syscall(S.SYS_HANDLE_DUPLICATE, p), -E.ENOSPC);
      assert.equal(t.syscall(S.SYS_HANDLE_GRANT, p, t.pid), -E.ENOSPC);
      assert.equal(t.syscall(S.SYS_IPC_CREATE_PORT, 0), -E.ENOSPC);
      assert.equal(connect(t, '/abi/full'), -E.ENOSPC);
      const after = kernel.snapshot();
      assert.deepEqual(after.usage, before.usage);
      assert.deepEqual(after.objects, before.objects);
      // Room again after a close.
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, d2), 0);
      const d3 = t.syscall(S.SYS_HANDLE_DUPLICATE, p);
      assert.ok(d3 > 0);
      assert.deepEqual(info(t, d3), info(t, p));
    },
    { maxHandles: 3 },
  );
});

test('a closed handle is -EBADF forever and never names the object that reuses its slot', T, async () => {
  // One handle slot and one object slot: every new port reuses both.
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      const seen: { h: number; id: number }[] = [];
      for (let i = 0; i < 60; i++) {
        const h = createPort(t);
        const id = info(t, h).id;
        for (const old of seen) {
          assert.notEqual(h, old.h, 'a new handle value');
          assert.notEqual(id, old.id, 'a new object id');
        }
        for (const old of seen.slice(-5)) {
          assert.equal(t.syscall(S.SYS_HANDLE_INFO, old.h, 0), -E.EBADF);
          assert.equal(t.syscall(S.SYS_HANDLE_DUPLICATE, old.h), -E.EBADF);
          assert.equal(t.syscall(S.SYS_HANDLE_WAIT, old.h, 0), -E.EBADF);
          assert.equal(t.syscall(S.SYS_HANDLE_GRANT, old.h, t.pid), -E.EBADF);
          assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, old.h), -E.EBADF);
          assert.equal(send(t, old.h, { type: 1 }), -E.EBADF);
          assert.equal(tryRecv(t, old.h).r, -E.EBADF);
          assert.equal(bind(t, old.h, '/abi/stale'), -E.EBADF);
          assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, old.h), -E.EBADF, 'closing a stale value does not close the live handle');
        }
        assert.equal(info(t, h).id, id, 'the live handle is untouched');
        assert.equal(tryRecv(t, h).r, -E.EAGAIN, 'nothing reached the live port');
        seen.push({ h, id });
        assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
        assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), -E.EBADF, 'a second close');
      }
      assert.equal(kernel.usage().objects, 0);
      assert.equal(kernel.usage().handles, 0);
    },
    { maxHandles: 1, maxObjects: 1 },
  );
});

test('HANDLE_CLOSE: the port dies when its owner closes its last handle, even while another task holds handles; the object is freed with the last one', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const base = kernel.usage();
    const p = createPort(t);
    assert.equal(bind(t, p, '/abi/close'), 0);
    const c = await a.connect('/abi/close');
    assert.ok(c > 0);
    const id = info(t, p).id;
    // Closing a handle that is not the owner's last changes nothing for the port.
    const own = connect(t, '/abi/close');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, own), 0);
    const c2 = await a.connect('/abi/close');
    assert.equal((await a.syscall(S.SYS_HANDLE_CLOSE, c2)).r, 0);
    assert.equal((await a.syscall(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { type: 1 } })).r, 0);
    assert.equal(tryRecv(t, p).m.type, 1);

    assert.equal((await a.syscall(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { type: 2 } })).r, 0, 'a message left queued');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), -E.EBADF, 'a second close');
    const o = kernel.snapshot().objects.find((x) => x.id === id);
    assert.ok(o, 'the object lives on while a handle names it');
    assert.equal(o.destroyed, true);
    assert.equal(o.depth, 0, 'queued plain sends are dropped');
    assert.deepEqual(o.names, [], 'its names are gone');
    assert.equal(connect(t, '/abi/close'), -E.ENOENT);
    assert.equal((await a.syscall(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { type: 3 } })).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_HANDLE_WAIT, c, 0)).r, -E.EPIPE);
    const seen = await a.info(c);
    assert.deepEqual([seen.r, seen.info.id], [0, id], 'HANDLE_INFO still describes it');
    assert.equal((await a.syscall(S.SYS_HANDLE_CLOSE, c)).r, 0);
    assert.deepEqual(kernel.usage(), base);
    await a.exitWith(0);
  });
});

test('HANDLE_CLOSE: the port dies when its owner exits; other tasks get -EPIPE', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.ok(h > 0);
    assert.equal(await a.bind(h, '/abi/owner-exits'), 0);
    const c = connect(t, '/abi/owner-exits');
    const g = (await a.syscall(S.SYS_HANDLE_GRANT, h, t.pid)).r;
    assert.ok(c > 0 && g > 0);
    assert.equal(send(t, c, { type: 1 }), 0);
    await a.exitWith(0);
    assert.equal(send(t, c, { type: 2 }), -E.EPIPE);
    assert.equal(tryRecv(t, g).r, -E.EPIPE, 'queued plain sends are dropped');
    assert.equal(connect(t, '/abi/owner-exits'), -E.ENOENT);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, c), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, g), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('HANDLE_INFO writes {type u32, rights u32, object id u64} little-endian at any offset, and nothing around it', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    const q = createPort(t);
    assert.equal(bind(t, p, '/abi/info'), 0);
    const c = connect(t, '/abi/info');
    const mem = t.memory;
    mem.fill(0xaa, 96, 160);
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, p, 101), 0);
    assert.equal(mem[100], 0xaa);
    assert.ok(mem.subarray(117, 160).every((b) => b === 0xaa), 'nothing after the 16 bytes');
    const v = new DataView(mem.buffer, mem.byteOffset);
    assert.equal(v.getUint32(101, true), OBJ_PORT);
    assert.equal(v.getUint32(105, true), RIGHTS_ALL);
    const id = Number(v.getBigUint64(109, true));
    assert.ok(id > 0);
    const snap = kernel.snapshot();
    const ids = snap.objects.map((o) => o.id);
    assert.ok(ids.includes(id), `object id ${id} is the one the snapshot shows (${ids})`);
    assert.deepEqual(snap.objects.find((o) => o.id === id)!.names, ['/abi/info']);

    assert.deepEqual(info(t, c), { type: OBJ_PORT, rights: RIGHT_WRITE, id }, 'a connect handle: same object, write only');
    const qi = info(t, q);
    assert.equal(qi.type, OBJ_PORT);
    assert.notEqual(qi.id, id, 'another port has another id');
    assert.equal(readInfo(mem, 101).id, id);
  });
});

test('HANDLE_GRANT: copies the handle into another task and returns its value there; that task can use it', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    const self = t.syscall(S.SYS_HANDLE_GRANT, p, t.pid);
    assert.ok(self > 0 && self !== p, 'a grant to oneself is a new handle');
    assert.deepEqual(info(t, self), info(t, p));

    const a = await Agent.spawn(kernel);
    const handlesBefore = kernel.usage().handles;
    const g = t.syscall(S.SYS_HANDLE_GRANT, p, a.pid);
    assert.ok(g > 0, `grant returned ${g}`);
    assert.equal(kernel.usage().handles, handlesBefore + 1);
    const seen = await a.info(g);
    assert.equal(seen.r, 0, 'the returned value is a live handle in the target');
    assert.deepEqual(seen.info, info(t, p));

    const sent = await a.syscall(S.SYS_IPC_SEND, g, 0, 0, { at: 0, fresh: { senderLo: 4242, type: 9, p0: 99 } });
    assert.equal(sent.r, 0);
    const got = tryRecv(t, p);
    assert.equal(got.r, 0);
    assert.deepEqual([got.m.senderLo, got.m.senderHi, got.m.type, got.m.p0], [a.pid, 0, 9, 99]);
    await a.exitWith(0);
  });
});

test('HANDLE_GRANT to a pid that names no live task is -ESRCH (unknown, exited, and after its slot is reused) and makes no handle', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    const before = kernel.usage().handles;
    for (const pid of [0, -1, 2, 3, 63, 64, 4095, 4096, 4097, 2 ** 31, 2 ** 53, NaN, 1.5, Infinity, '1', undefined, null]) {
      assert.equal(t.syscall(S.SYS_HANDLE_GRANT, p, pid), -E.ESRCH, `grant to ${String(pid)}`);
    }
    assert.equal(kernel.usage().handles, before);

    const a = await Agent.spawn(kernel);
    assert.equal((await a.exitWith(0)).code, 0);
    const handles = kernel.usage().handles;
    assert.equal(t.syscall(S.SYS_HANDLE_GRANT, p, a.pid), -E.ESRCH, 'grant to an exited task');
    assert.equal(kernel.usage().handles, handles);
    const b = await Agent.spawn(kernel);
    assert.notEqual(b.pid, a.pid, 'pids are not reused');
    const bHandles = () => taskInfo(kernel, b.pid)!.handles;
    const bBefore = bHandles();
    assert.equal(t.syscall(S.SYS_HANDLE_GRANT, p, a.pid), -E.ESRCH, 'a stale pid does not reach the task in its slot');
    assert.equal(bHandles(), bBefore);
    await b.exitWith(0);
  });
});

test('HANDLE_GRANT into a task whose handle table is full is -ENOSPC', T, async () => {
  await withKernel(
    async (kernel) => {
      const t = kernel.task;
      const a = await Agent.spawn(kernel); // init: control port; agent: its connect handle
      const p = createPort(t);
      const g = t.syscall(S.SYS_HANDLE_GRANT, p, a.pid);
      assert.ok(g > 0);
      assert.equal(t.syscall(S.SYS_HANDLE_GRANT, p, a.pid), -E.ENOSPC);
      assert.equal(t.syscall(S.SYS_HANDLE_GRANT, p, t.pid), -E.ENOSPC, 'and into one\'s own full table');
      assert.equal((await a.syscall(S.SYS_HANDLE_CLOSE, g)).r, 0);
      assert.ok(t.syscall(S.SYS_HANDLE_GRANT, p, a.pid) > 0, 'room again');
      await a.exitWith(0);
    },
    { maxHandles: 2 },
  );
});

test('HANDLE_REVOKE closes every handle derived from it (duplicates, grants, transitively, in every task) but not itself', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const base = kernel.usage();
    const root = createPort(t);
    assert.equal(bind(t, root, '/abi/revoke'), 0);
    const c = connect(t, '/abi/revoke'); // a handle of its own, not derived from root
    const d1 = t.syscall(S.SYS_HANDLE_DUPLICATE, root);
    const d2 = t.syscall(S.SYS_HANDLE_DUPLICATE, d1);
    const s = t.syscall(S.SYS_HANDLE_GRANT, root, t.pid);
    const g1 = t.syscall(S.SYS_HANDLE_GRANT, d1, a.pid);
    const g2 = (await a.syscall(S.SYS_HANDLE_DUPLICATE, g1)).r;
    for (const h of [c, d1, d2, s, g1, g2]) assert.ok(h > 0);
    const id = info(t, root).id;

    // Revoking a derived handle closes its subtree only.
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, d1), 3, 'd2, g1 and g2');
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, d2, 0), -E.EBADF);
    assert.equal((await a.info(g1)).r, -E.EBADF);
    assert.equal((await a.info(g2)).r, -E.EBADF);
    assert.equal((await a.syscall(S.SYS_IPC_SEND, g1, 0, 0, { at: 0, fresh: { type: 1 } })).r, -E.EBADF);
    assert.equal(info(t, d1).id, id, 'the revoked handle itself stays');
    assert.equal(info(t, s).id, id, 'a sibling subtree is untouched');

    // Revoking the root closes what is left below it, not the root and not an unrelated handle.
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, root), 2, 'd1 and s');
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, d1, 0), -E.EBADF);
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, s, 0), -E.EBADF);
    assert.deepEqual(info(t, root), { type: OBJ_PORT, rights: RIGHTS_ALL, id });
    assert.equal(info(t, c).id, id, 'a connect handle is not derived from the root');
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, root), 0, 'nothing left to revoke');
    const o = kernel.snapshot().objects.find((x) => x.id === id)!;
    assert.equal(o.destroyed, false, 'revoke does not destroy the port');
    assert.equal(send(t, c, { type: 3 }), 0);
    assert.equal(tryRecv(t, root).m.type, 3);

    // A revoked handle value never comes back to life.
    const fresh = t.syscall(S.SYS_HANDLE_DUPLICATE, root);
    assert.ok(![d1, d2, s].includes(fresh));
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, d1, 0), -E.EBADF);

    for (const h of [fresh, c, root]) assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
    assert.deepEqual(kernel.usage(), base);
    await a.exitWith(0);
  });
});

test('HANDLE_REVOKE follows the lineage through a closed middle handle and through handles transferred in messages', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const root = createPort(t);
    const d1 = t.syscall(S.SYS_HANDLE_DUPLICATE, root);
    const d2 = t.syscall(S.SYS_HANDLE_DUPLICATE, d1);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, d1), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, root), 1, 'd2 still descends from root');
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, d2, 0), -E.EBADF);

    // A handle received in a message derives from the sender's handle.
    const box = createPort(t);
    const x = t.syscall(S.SYS_HANDLE_DUPLICATE, root);
    assert.equal(send(t, box, { type: 1, flags: x }), 0);
    const got = tryRecv(t, box);
    assert.equal(got.r, 0);
    const y = got.m.flags;
    assert.ok(y > 0 && y !== x);
    assert.equal(info(t, y).id, info(t, root).id);
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, x), 1, 'the received handle');
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, y, 0), -E.EBADF);

    // A handle still in flight when its ancestor is revoked never becomes usable.
    assert.equal(send(t, box, { type: 2, flags: x }), 0);
    const n = t.syscall(S.SYS_HANDLE_REVOKE, root);
    assert.ok(n >= 1, `revoke returned ${n}`); // x, and (depending on how it counts) the copy in flight
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, x, 0), -E.EBADF);
    const late = tryRecv(t, box);
    assert.equal(late.r, 0, 'the message itself is still delivered');
    assert.equal(late.m.type, 2);
    if (late.m.flags !== 0) assert.equal(t.syscall(S.SYS_HANDLE_INFO, late.m.flags, 0), -E.EBADF, 'a revoked handle arrived usable');

    for (const h of [root, box]) assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

/**
 * An agent blocked in IPC_RECV on a grant of init's port `p`, whose lineage
 * init has just revoked (the revoke closed exactly that grant).
 */
async function receiverBlockedOnRevokedGrant(kernel: Kernel): Promise<{ t: Kernel['task']; a: Agent; p: number }> {
  const t = kernel.task;
  const a = await Agent.spawn(kernel);
  const p = createPort(t);
  const id = info(t, p).id;
  const g = t.syscall(S.SYS_HANDLE_GRANT, p, a.pid);
  a.start(S.SYS_IPC_RECV, g, 0, 0, { at: 0 });
  await a.blocked('readable', id);
  assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, p), 1);
  return { t, a, p };
}

test('a revoked handle receives nothing: a receiver blocked on it gets -EBADF when traffic arrives and the message stays for the root', T, async () => {
  await withKernel(async (kernel) => {
    const { t, a, p } = await receiverBlockedOnRevokedGrant(kernel);
    assert.equal(send(t, p, { type: 5, p0: 55 }), 0);
    assert.equal((await a.result()).r, -E.EBADF);
    const got = tryRecv(t, p);
    assert.deepEqual([got.r, got.m.type, got.m.p0], [0, 5, 55], 'the message was not taken through the revoked handle');
    await a.exitWith(0);
  });
});

test('a receiver blocked on a handle wakes with -EBADF as soon as the handle is revoked, without waiting for traffic', T, async () => {
  await withKernel(async (kernel) => {
    const { a } = await receiverBlockedOnRevokedGrant(kernel);
    try {
      assert.equal((await within(a.result(), 2000, 'the blocked receive on a revoked handle')).r, -E.EBADF);
      await a.exitWith(0);
    } finally {
      if (taskInfo(kernel, a.pid)?.state === 'blocked') await a.terminate();
    }
  });
});

test('HANDLE_REVOKE reaches a handle in flight whose sender already closed the handle it sent', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const root = createPort(t);
    const box = createPort(t);
    const x = t.syscall(S.SYS_HANDLE_DUPLICATE, root);
    assert.equal(send(t, box, { type: 1, flags: x }), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, x), 0);
    const n = t.syscall(S.SYS_HANDLE_REVOKE, root);
    assert.ok(n >= 0, `revoke returned ${n}`);
    const got = tryRecv(t, box);
    assert.deepEqual([got.r, got.m.type], [0, 1]);
    if (got.m.flags !== 0) assert.equal(t.syscall(S.SYS_HANDLE_INFO, got.m.flags, 0), -E.EBADF, 'a revoked handle arrived usable');
    for (const h of [root, box]) assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});
