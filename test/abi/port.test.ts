/**
 * Ports through the numbered ABI: IPC_CREATE_PORT (200), IPC_SEND (201),
 * IPC_RECV (202), IPC_TRY_RECV (207). Queue of 16, FIFO, the kernel-written
 * sender, handle transfer, fail-before-dequeue, and the blocking cases
 * across real threads (a send blocked on a full port, a receive blocked on
 * an empty one, both woken by another task, or by the port's death).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, OBJ_PORT, RIGHTS_ALL } from '../../src/index.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { Agent, bind, connect, createPort, info, objectInfo, readMsg, send, servicePort, tryRecv, writeMsg } from '../support/abi.js';

const T = { timeout: 20_000 };

test('IPC_CREATE_PORT(0): a port owned by the caller, queue of 16, handle with every right', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const h = t.syscall(S.SYS_IPC_CREATE_PORT, 0);
    assert.ok(h > 0, `create returned ${h}`);
    const i = info(t, h);
    assert.equal(i.type, OBJ_PORT);
    assert.equal(i.rights, RIGHTS_ALL);
    const o = objectInfo(kernel, i.id)!;
    assert.deepEqual([o.type, o.owner, o.capacity, o.depth, o.destroyed], ['port', t.pid, 16, 0, false]);
    const u = kernel.usage();
    assert.deepEqual([u.objects, u.handles, u.messageSlots], [base.objects + 1, base.handles + 1, base.messageSlots + 16]);
    const h2 = t.syscall(S.SYS_IPC_CREATE_PORT, 0);
    assert.ok(h2 > 0 && h2 !== h);
    assert.notEqual(info(t, h2).id, i.id);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h2), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('IPC_CREATE_PORT with non-zero or non-integer flags is -EINVAL and allocates nothing', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    for (const flags of [1, 2, 16, -1, 0x80000000, 0xffffffff, 2 ** 32, 0.5, NaN, Infinity, '0', 'x', null, {}]) {
      assert.equal(t.syscall(S.SYS_IPC_CREATE_PORT, flags), -E.EINVAL, `flags ${String(flags)}`);
    }
    assert.deepEqual(kernel.usage(), base);
  });
});

test('IPC_CREATE_PORT is -ENOMEM when the object table or the message slots run out, and works again after a close', T, async () => {
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      const a = createPort(t);
      createPort(t);
      assert.equal(t.syscall(S.SYS_IPC_CREATE_PORT, 0), -E.ENOMEM, 'object table full');
      assert.equal(kernel.usage().objects, 2);
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, a), 0);
      assert.ok(createPort(t) > 0);
    },
    { maxObjects: 2 },
  );
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      const a = createPort(t);
      createPort(t);
      const before = kernel.usage();
      assert.equal(t.syscall(S.SYS_IPC_CREATE_PORT, 0), -E.ENOMEM, 'no room for 16 more message slots');
      assert.deepEqual(kernel.usage(), before);
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, a), 0);
      assert.ok(createPort(t) > 0, 'the closed port gave its slots back');
    },
    { messageSlots: 40 },
  );
});

test('IPC_SEND / IPC_RECV: FIFO order, 16 messages fit, the whole message is copied and the kernel writes the sender', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const p = createPort(t);
    assert.equal(bind(t, p, '/abi/fifo'), 0);
    const mem = t.memory;
    // One message with every byte set, from an unaligned address, with a forged sender.
    const SRC = 1003;
    for (let i = 0; i < 64; i++) mem[SRC + i] = (i * 7 + 1) & 0xff;
    mem.fill(0, SRC + 12, SRC + 16); // flags 0: no handle to transfer
    const forged = mem.slice(SRC, SRC + 64);
    assert.equal(t.syscall(S.SYS_IPC_SEND, p, SRC), 0);
    for (let i = 1; i < 16; i++) assert.equal(send(t, p, { type: 100 + i, p0: i, senderLo: 0xdeadbeef, senderHi: 0xfeedface }), 0, `send #${i}`);
    const o = kernel.snapshot().objects.find((x) => x.names.includes('/abi/fifo'))!;
    assert.equal(o.depth, 16);

    mem.fill(0xee, 200, 300);
    assert.equal(t.syscall(S.SYS_IPC_RECV, p, 201), 0);
    const got = mem.slice(201, 201 + 64);
    assert.equal(readMsg(got, 0).senderLo, t.pid, 'sender low word is the sender pid');
    assert.equal(readMsg(got, 0).senderHi, 0, 'a plain send carries no call token');
    assert.deepEqual(got.subarray(8), forged.subarray(8), 'type, flags and the 48 payload bytes arrive unchanged');
    assert.equal(mem[200], 0xee);
    assert.equal(mem[265], 0xee, 'nothing written past the 64 bytes');
    for (let i = 1; i < 16; i++) {
      const r = tryRecv(t, p);
      assert.equal(r.r, 0);
      assert.deepEqual([r.m.senderLo, r.m.senderHi, r.m.type, r.m.p0], [t.pid, 0, 100 + i, i], `message #${i} in order`);
    }
    assert.equal(tryRecv(t, p).r, -E.EAGAIN, 'IPC_TRY_RECV on an empty port');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('receiving needs the read right: IPC_RECV and IPC_TRY_RECV on a connect handle are -EPERM and consume nothing', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    assert.equal(bind(t, p, '/abi/wo'), 0);
    const c = connect(t, '/abi/wo');
    assert.equal(send(t, c, { type: 8 }), 0);
    assert.equal(t.syscall(S.SYS_IPC_TRY_RECV, c, 0), -E.EPERM);
    assert.equal(t.syscall(S.SYS_IPC_RECV, c, 0), -E.EPERM);
    assert.equal(tryRecv(t, p).m.type, 8, 'the message is still there for the owner');
    assert.equal(t.syscall(S.SYS_IPC_RECV, c, 0), -E.EPERM, 'and on an empty port, without blocking');
  });
});

test('handle transfer: a non-zero flags field sends a copy of that handle; the receiver finds its new handle value in flags', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const p = createPort(t);
    const q = createPort(t);
    assert.equal(bind(t, q, '/abi/xfer'), 0);
    const c = connect(t, '/abi/xfer');
    const qi = info(t, q);

    assert.equal(send(t, p, { type: 1, flags: q }), 0);
    assert.deepEqual(info(t, q), qi, 'the sender keeps its handle');
    const got = tryRecv(t, p);
    assert.equal(got.r, 0);
    const y = got.m.flags;
    assert.ok(y > 0 && y !== q, `received handle ${y}`);
    assert.deepEqual(info(t, y), qi, 'same object, same rights');

    // Transferring needs grant on the handle sent: a connect handle has none.
    const before = kernel.snapshot();
    assert.equal(send(t, p, { type: 2, flags: c }), -E.EPERM);
    assert.equal(t.syscall(S.SYS_IPC_CALL, p, writeMsg(t.memory, 0, { type: 2, flags: c })), -E.EPERM);
    const closed = t.syscall(S.SYS_HANDLE_DUPLICATE, q);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, closed), 0);
    assert.equal(send(t, p, { type: 2, flags: closed }), -E.EBADF, 'a closed handle cannot be sent');
    assert.deepEqual(kernel.snapshot().usage, before.usage);
    assert.equal(tryRecv(t, p).r, -E.EAGAIN, 'nothing was queued');

    for (const h of [y, c, q, p]) assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('fail before dequeue: when the receiver has no room for a transferred handle, receive is -ENOSPC and the message stays queued', T, async () => {
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      const p = createPort(t);
      const q = createPort(t);
      const d = t.syscall(S.SYS_HANDLE_DUPLICATE, p); // the table (3) is now full
      assert.ok(d > 0);
      assert.equal(send(t, p, { type: 1, flags: q, p0: 11 }), 0);
      assert.equal(send(t, p, { type: 2, p0: 22 }), 0);
      const pid = info(t, p).id;
      for (let i = 0; i < 3; i++) {
        assert.equal(t.syscall(S.SYS_IPC_TRY_RECV, p, 0), -E.ENOSPC);
        assert.equal(t.syscall(S.SYS_IPC_RECV, p, 0), -E.ENOSPC);
      }
      assert.equal(objectInfo(kernel, pid)!.depth, 2, 'both messages are still queued');
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, d), 0);
      const first = tryRecv(t, p);
      assert.equal(first.r, 0);
      assert.deepEqual([first.m.type, first.m.p0], [1, 11], 'the same message, first in line');
      assert.ok(first.m.flags > 0);
      assert.deepEqual(info(t, first.m.flags), info(t, q));
      const second = tryRecv(t, p);
      assert.deepEqual([second.r, second.m.type, second.m.flags], [0, 2, 0]);
    },
    { maxHandles: 3 },
  );
});

test('a receiver blocked in IPC_RECV (another thread) is woken by a send: msg_type 42, "Hi!"', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/abi/pingpong'), 0);
    const id = (await a.info(h)).info.id;
    a.start(S.SYS_IPC_RECV, h, 0, 0, { at: 0 });
    await a.blocked('readable', id);
    const c = connect(t, '/abi/pingpong');
    const mem = t.memory;
    writeMsg(mem, 0, { type: 42 });
    mem.set(new TextEncoder().encode('Hi!'), 16);
    assert.equal(t.syscall(S.SYS_IPC_SEND, c, 0), 0);
    const rep = await a.result();
    assert.equal(rep.r, 0);
    assert.deepEqual([rep.msg.senderLo, rep.msg.senderHi, rep.msg.type, rep.msg.flags], [t.pid, 0, 42, 0]);
    assert.equal(new TextDecoder().decode(rep.bytes.subarray(16, 19)), 'Hi!');
    await a.exitWith(0);
  });
});

test('a sender blocked on a full port (capacity 16, another thread) is woken when a receiver takes a message', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const { p, id } = servicePort(t, '/abi/full');
    const c = await a.connect('/abi/full');
    for (let i = 0; i < 16; i++) {
      assert.equal((await a.syscall(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { type: 1, p0: i } })).r, 0, `send #${i}`);
    }
    a.start(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { type: 1, p0: 16 } });
    await a.blocked('writable', id);
    assert.equal(objectInfo(kernel, id)!.waiters.senders, 1);
    assert.equal(objectInfo(kernel, id)!.depth, 16);
    const first = tryRecv(t, p);
    assert.equal(first.m.p0, 0);
    assert.equal((await a.result()).r, 0, 'the blocked send completed');
    for (let i = 1; i <= 16; i++) assert.equal(tryRecv(t, p).m.p0, i, `message #${i}`);
    assert.equal(tryRecv(t, p).r, -E.EAGAIN);
    await a.exitWith(0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('a port dies when its owner closes it: a sender blocked on it in another task wakes with -EPIPE', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const { p, id } = servicePort(t, '/abi/doomed');
    const c = await a.connect('/abi/doomed');
    for (let i = 0; i < 16; i++) assert.equal(send(t, p, { p0: i }), 0);
    a.start(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { type: 1 } });
    await a.blocked('writable', id);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.equal((await a.result()).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { type: 1 } })).r, -E.EPIPE, 'and every later send');
    assert.equal((await a.syscall(S.SYS_HANDLE_CLOSE, c)).r, 0);
    await a.exitWith(0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('a port dies when its owner closes it: a receiver blocked on it in another task wakes with -EPIPE', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const p = createPort(t);
    const id = info(t, p).id;
    const g = t.syscall(S.SYS_HANDLE_GRANT, p, a.pid);
    assert.ok(g > 0);
    a.start(S.SYS_IPC_RECV, g, 0, 0, { at: 0 });
    await a.blocked('readable', id);
    assert.equal(objectInfo(kernel, id)!.waiters.receivers, 1);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.equal((await a.result()).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_IPC_TRY_RECV, g, 0)).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_IPC_RECV, g, 0)).r, -E.EPIPE, 'a later receive does not block');
    assert.equal((await a.syscall(S.SYS_IPC_SEND, g, 0, 0, { at: 0, fresh: {} })).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_HANDLE_CLOSE, g)).r, 0);
    await a.exitWith(0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('IPC_TRY_RECV is -EAGAIN while empty and -EPIPE once the port is destroyed (queued plain sends are dropped)', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    const g = (await a.syscall(S.SYS_HANDLE_GRANT, h, t.pid)).r;
    assert.ok(h > 0 && g > 0, 'a grant to init returns the handle value in init');
    assert.equal(info(t, g).rights, RIGHTS_ALL);
    assert.equal(tryRecv(t, g).r, -E.EAGAIN);
    assert.equal(send(t, g, { type: 1 }), 0);
    assert.equal(send(t, g, { type: 2 }), 0);
    assert.equal(tryRecv(t, g).m.type, 1);
    assert.equal((await a.syscall(S.SYS_HANDLE_CLOSE, h)).r, 0, 'the owner closes its port');
    assert.equal(tryRecv(t, g).r, -E.EPIPE);
    assert.equal(await within(t.syscallAsync(S.SYS_IPC_RECV, g, 0), 5000, 'IPC_RECV on a destroyed port'), -E.EPIPE);
    assert.equal(send(t, g, { type: 3 }), -E.EPIPE);
    assert.equal(bind(t, g, '/abi/dead'), -E.EPIPE, 'a destroyed port cannot be bound');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, g), 0);
    await a.exitWith(0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('kernel usage returns to its baseline after ports, handles, names and transfers in flight are closed', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    assert.deepEqual([base.objects, base.handles, base.messageSlots, base.calls, base.bindings], [0, 0, 0, 0, 0]);
    const a = await Agent.spawn(kernel);
    const ports = [createPort(t), createPort(t), createPort(t)];
    assert.equal(bind(t, ports[0]!, '/abi/u0'), 0);
    assert.equal(bind(t, ports[1]!, '/abi/u1'), 0);
    const c = await a.connect('/abi/u0');
    const g = t.syscall(S.SYS_HANDLE_GRANT, ports[2]!, a.pid);
    assert.equal((await a.syscall(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { flags: g } })).r, 0, 'a handle in flight');
    assert.equal(send(t, ports[1]!, { flags: ports[2]! }), 0, 'another one');
    const u = kernel.usage();
    // Three ports and the agent's control port.
    assert.deepEqual([u.objects, u.bindings, u.messageSlots], [4, 3, 4 * 16]);
    await a.exitWith(0);
    for (const p of ports) assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    await waitFor(() => kernel.usage().objects === 0, 'every object to be freed');
    assert.deepEqual(kernel.usage(), base);
    const snap = kernel.snapshot();
    assert.deepEqual(snap.objects, []);
    assert.deepEqual(snap.names, []);
  });
});

test('a port dies with its owner: a receiver blocked on it in another task wakes with -EPIPE when the owner is killed', T, async () => {
  await withKernel(async (kernel) => {
    const base = kernel.usage();
    const owner = await Agent.spawn(kernel);
    const receiver = await Agent.spawn(kernel);
    const h = (await owner.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    const id = (await owner.info(h)).info.id;
    const g = (await owner.syscall(S.SYS_HANDLE_GRANT, h, receiver.pid)).r;
    assert.ok(g > 0);
    receiver.start(S.SYS_IPC_RECV, g, 0, 0, { at: 0 });
    await receiver.blocked('readable', id);
    await owner.terminate();
    assert.equal((await receiver.result()).r, -E.EPIPE);
    assert.equal((await receiver.syscall(S.SYS_HANDLE_CLOSE, g)).r, 0);
    await receiver.exitWith(0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('several senders blocked on one full port each complete as receives make room; several blocked receivers each get one message', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const agents = await Promise.all([Agent.spawn(kernel), Agent.spawn(kernel), Agent.spawn(kernel)]);
    const { p, id } = servicePort(t, '/abi/crowd');
    const handles = await Promise.all(agents.map((a) => a.connect('/abi/crowd')));
    for (let i = 0; i < 16; i++) assert.equal(send(t, p, { p0: i }), 0);
    agents.forEach((a, k) => a.start(S.SYS_IPC_SEND, handles[k]!, 0, 0, { at: 0, fresh: { type: 2, p0: 100 + k } }));
    for (const a of agents) await a.blocked('writable', id);
    const seen: number[] = [];
    for (let i = 0; i < 16 + 3; i++) {
      await waitFor(() => objectInfo(kernel, id)!.depth > 0, 'a message to receive');
      const got = tryRecv(t, p);
      assert.equal(got.r, 0);
      seen.push(got.m.p0);
    }
    for (const a of agents) assert.equal((await a.result()).r, 0);
    assert.deepEqual(seen.slice(0, 16), Array.from({ length: 16 }, (_, i) => i));
    assert.deepEqual(seen.slice(16).sort(), [100, 101, 102], 'each blocked send arrived once');

    // Now the other way round: three receivers (granted handles) blocked on the empty port.
    const grants = agents.map((a) => t.syscall(S.SYS_HANDLE_GRANT, p, a.pid));
    agents.forEach((a, k) => a.start(S.SYS_IPC_RECV, grants[k]!, 0, 0, { at: 0 }));
    for (const a of agents) await a.blocked('readable', id);
    for (let i = 0; i < 3; i++) assert.equal(send(t, p, { type: 3, p0: 200 + i }), 0);
    const got = await Promise.all(agents.map((a) => a.result()));
    assert.deepEqual(got.map((g) => g.r), [0, 0, 0]);
    assert.deepEqual(got.map((g) => g.msg.p0).sort(), [200, 201, 202]);
    for (const a of agents) await a.exitWith(0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});
