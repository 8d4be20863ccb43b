/**
 * Channels through the numbered ABI: CHAN_CREATE (220), CHAN_SEND (221),
 * CHAN_RECV (222), CHAN_TRY_RECV (223), CHAN_CLOSE (224). Capacity clamping,
 * FIFO order, the kernel-written sender, rights (handles narrowed with
 * `restrict`), every errno, and the blocking cases across real threads: a
 * receive blocked on an empty channel and a send blocked on a full one, woken
 * by another task, by the last writer or reader going away, or left behind
 * by a task that is terminated while blocked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, OBJ_CHANNEL, RIGHTS_ALL, RIGHT_READ, RIGHT_WRITE, RIGHT_GRANT, EVENT_READABLE, EVENT_WRITABLE, type Task } from '../../src/index.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { Agent, createPort, info, objectInfo, readMsg, writeMsg, type Msg, type MsgFields } from '../support/abi.js';
import { taskInfo } from '../support/blocked.js';
import { assertRevokedWake, createChannel, grant, narrowed, raceSpinningWaiter, track, withChannel } from './fixtures/object-rig.js';
import { waitBlockedOn } from '../support/blocked.js';

const T = { timeout: 30_000 };
/** Scratch offset in init's memory for the helpers (test/support/abi.ts's own helpers use 60000). */
const AT = 50_000;

function chanSend(t: Task, h: number, f: MsgFields = {}): number {
  return t.syscall(S.SYS_CHAN_SEND, h, writeMsg(t.memory, AT, f));
}

function chanTryRecv(t: Task, h: number): { r: number; m: Msg } {
  const r = t.syscall(S.SYS_CHAN_TRY_RECV, h, writeMsg(t.memory, AT, {}));
  return { r, m: readMsg(t.memory, AT) };
}

function chanRecv(t: Task, h: number): { r: number; m: Msg } {
  const r = t.syscall(S.SYS_CHAN_RECV, h, writeMsg(t.memory, AT, {}));
  return { r, m: readMsg(t.memory, AT) };
}

/**
 * Grants task `pid` an end of channel `c` with only `rights` (and grant),
 * through a narrowed handle that init closes again: init keeps no such end.
 */
function grantEnd(t: Task, c: number, rights: number, pid: number): number {
  const end = narrowed(t, c, rights | RIGHT_GRANT);
  const g = grant(t, end, pid);
  assert.equal(t.syscall(S.SYS_CHAN_CLOSE, end), 0);
  return g;
}

test('CHAN_CREATE: a channel with every right, counting as one sender and one receiver, its storage taken from the page pool', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const c = t.syscall(S.SYS_CHAN_CREATE, 4);
    assert.ok(c > 0, `CHAN_CREATE returned ${c}`);
    const i = info(t, c);
    assert.deepEqual([i.type, i.rights], [OBJ_CHANNEL, RIGHTS_ALL]);
    const o = objectInfo(kernel, i.id)!;
    assert.deepEqual([o.type, o.capacity, o.depth, o.destroyed, o.refs], ['channel', 4, 0, false, 1]);
    assert.deepEqual(o.ends, { senders: 1, receivers: 1 });
    assert.deepEqual(o.waiters, { receivers: 0, senders: 0 });
    const u = kernel.usage();
    assert.deepEqual([u.objects, u.handles, u.messageSlots], [base.objects + 1, base.handles + 1, base.messageSlots]);
    assert.ok(u.pages > base.pages, 'the channel holds pages');

    const c2 = t.syscall(S.SYS_CHAN_CREATE, 4);
    assert.ok(c2 > 0 && c2 !== c);
    assert.notEqual(info(t, c2).id, i.id, 'another channel, another object');
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, c2), 0, 'HANDLE_CLOSE closes a channel handle too');
    assert.deepEqual(kernel.usage(), base, 'the channel is freed with its last handle, pages included');
    assert.deepEqual(kernel.snapshot().objects, []);
  });
});

test('CHAN_CREATE clamps the capacity to 1..1024; a non-integer capacity is -EINVAL and allocates nothing', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const cases: [unknown, number][] = [
      [0, 1],
      [-5, 1],
      [-(2 ** 31), 1],
      [1, 1],
      [3, 3],
      [4n, 4],
      [1023, 1023],
      [1024, 1024],
      [1025, 1024],
      [5000, 1024],
      [2 ** 31, 1024],
    ];
    for (const [asked, got] of cases) {
      const c = createChannel(t, asked);
      assert.equal(objectInfo(kernel, info(t, c).id)!.capacity, got, `CHAN_CREATE(${String(asked)})`);
      assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
    }
    for (const bad of [NaN, 1.5, -0.5, Infinity, -Infinity, '4', '', null, undefined, {}]) {
      assert.equal(t.syscall(S.SYS_CHAN_CREATE, bad), -E.EINVAL, `CHAN_CREATE(${String(bad)})`);
    }
    assert.deepEqual(kernel.usage(), base);

    // CHAN_CREATE(0) really holds one message.
    const one = createChannel(t, 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, one, 0, EVENT_WRITABLE), EVENT_WRITABLE);
    assert.equal(chanSend(t, one, { p0: 1 }), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, one, 0, EVENT_WRITABLE), -E.EAGAIN, 'full after one message');
    assert.equal(objectInfo(kernel, info(t, one).id)!.depth, 1);
    assert.equal(chanTryRecv(t, one).m.p0, 1);

    // CHAN_CREATE(5000) holds exactly 1024, in order.
    const big = createChannel(t, 5000);
    for (let i = 0; i < 1024; i++) assert.equal(chanSend(t, big, { p0: i }), 0, `send #${i}`);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, big, 0, EVENT_WRITABLE), -E.EAGAIN, 'full after 1024 messages');
    assert.equal(objectInfo(kernel, info(t, big).id)!.depth, 1024);
    for (let i = 0; i < 1024; i++) {
      const got = chanTryRecv(t, big);
      if (got.r !== 0 || got.m.p0 !== i) assert.fail(`message #${i}: r ${got.r}, p0 ${got.m.p0}`);
    }
    assert.equal(chanTryRecv(t, big).r, -E.EAGAIN);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, one), 0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, big), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('CHAN_SEND / CHAN_RECV / CHAN_TRY_RECV: FIFO, the whole message is copied and the kernel writes the sender (pid, 0)', T, async () => {
  await withChannel(8, {}, ({ kernel, t, h: c, id }) => {
    const mem = t.memory;
    const L = mem.length;
    // Every byte set (flags included), from an unaligned address, with a forged sender.
    const SRC = 1003;
    for (let i = 0; i < 64; i++) mem[SRC + i] = (i * 7 + 1) & 0xff;
    const forged = mem.slice(SRC, SRC + 64);
    assert.equal(t.syscall(S.SYS_CHAN_SEND, c, SRC), 0);
    assert.deepEqual(mem.slice(SRC, SRC + 64), forged, 'the sender\'s memory is not touched');
    for (let i = 1; i < 7; i++) assert.equal(chanSend(t, c, { type: 100 + i, p0: i, senderLo: 0xdeadbeef, senderHi: 0xfeedface }), 0, `send #${i}`);
    writeMsg(mem, L - 64, { type: 107, p0: 7 });
    assert.equal(t.syscall(S.SYS_CHAN_SEND, c, L - 64), 0, 'the last whole message of memory');
    assert.equal(objectInfo(kernel, id)!.depth, 8);

    mem.fill(0xee, 200, 300);
    assert.equal(t.syscall(S.SYS_CHAN_RECV, c, 201), 0, 'CHAN_RECV returns at once when a message is queued');
    const got = mem.slice(201, 201 + 64);
    assert.equal(readMsg(got, 0).senderLo, t.pid, 'sender low word is the sender pid');
    assert.equal(readMsg(got, 0).senderHi, 0, 'sender high word is 0');
    assert.deepEqual(got.subarray(8), forged.subarray(8), 'type, flags and the 48 payload bytes arrive unchanged');
    assert.equal(mem[200], 0xee);
    assert.equal(mem[265], 0xee, 'nothing written past the 64 bytes');
    for (let i = 1; i < 8; i++) {
      const r = i % 2 === 0 ? chanRecv(t, c) : chanTryRecv(t, c);
      assert.equal(r.r, 0);
      assert.deepEqual([r.m.senderLo, r.m.senderHi, r.m.type, r.m.p0], [t.pid, 0, 100 + i, i], `message #${i} in order`);
    }
    assert.equal(chanTryRecv(t, c).r, -E.EAGAIN, 'CHAN_TRY_RECV on an empty channel');
    assert.equal(objectInfo(kernel, id)!.depth, 0);
    // Into the last 64 bytes of memory.
    assert.equal(chanSend(t, c, { type: 9 }), 0);
    mem.fill(0, L - 64);
    assert.equal(t.syscall(S.SYS_CHAN_TRY_RECV, c, L - 64), 0);
    assert.equal(readMsg(mem, L - 64).type, 9);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
  });
});

test('bad, closed and wrong-type handles are -EBADF for CHAN_SEND, CHAN_RECV, CHAN_TRY_RECV and CHAN_CLOSE (and do not block)', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const c = createChannel(t, 2);
    for (const h of [0, -1, 999, 2 ** 31, NaN, 1.5, 'x', undefined]) {
      assert.equal(chanSend(t, h as number, {}), -E.EBADF, `CHAN_SEND(${String(h)})`);
      assert.equal(chanRecv(t, h as number).r, -E.EBADF, `CHAN_RECV(${String(h)})`);
      assert.equal(chanTryRecv(t, h as number).r, -E.EBADF, `CHAN_TRY_RECV(${String(h)})`);
      assert.equal(t.syscall(S.SYS_CHAN_CLOSE, h), -E.EBADF, `CHAN_CLOSE(${String(h)})`);
    }

    // A closed handle is stale for good, whether closed with CHAN_CLOSE or HANDLE_CLOSE.
    for (const closer of [S.SYS_CHAN_CLOSE, S.SYS_HANDLE_CLOSE]) {
      const d = t.syscall(S.SYS_HANDLE_DUPLICATE, c);
      assert.ok(d > 0);
      assert.equal(t.syscall(closer, d), 0);
      assert.equal(chanSend(t, d, {}), -E.EBADF);
      assert.equal(chanRecv(t, d).r, -E.EBADF);
      assert.equal(chanTryRecv(t, d).r, -E.EBADF);
      assert.equal(t.syscall(S.SYS_CHAN_CLOSE, d), -E.EBADF, 'a second close');
      assert.equal(t.syscall(S.SYS_HANDLE_WAIT, d, 0), -E.EBADF);
    }
    // The stale closes did not touch the live handle.
    assert.equal(chanSend(t, c, { p0: 5 }), 0);
    assert.equal(chanTryRecv(t, c).m.p0, 5);

    // The last handle closed: the channel is gone and its handle stale.
    const gone = createChannel(t, 2);
    assert.equal(chanSend(t, gone, { p0: 1 }), 0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, gone), 0);
    assert.equal(chanTryRecv(t, gone).r, -E.EBADF);
    assert.equal(chanRecv(t, gone).r, -E.EBADF);

    // Handles to other kinds of object.
    const p = createPort(t);
    const s = t.syscall(S.SYS_SEM_CREATE, 1);
    const ring = t.syscall(S.SYS_IPC_RING_CREATE, 4096);
    assert.ok(s > 0 && ring > 0);
    assert.equal(t.syscall(S.SYS_IPC_SEND, p, writeMsg(t.memory, AT, { type: 3 })), 0, 'a message queued on the port');
    for (const [name, h] of [['port', p], ['semaphore', s], ['ring', ring]] as const) {
      assert.equal(chanSend(t, h, {}), -E.EBADF, `CHAN_SEND on a ${name}`);
      assert.equal(chanRecv(t, h).r, -E.EBADF, `CHAN_RECV on a ${name}`);
      assert.equal(chanTryRecv(t, h).r, -E.EBADF, `CHAN_TRY_RECV on a ${name}`);
      assert.equal(t.syscall(S.SYS_CHAN_CLOSE, h), -E.EBADF, `CHAN_CLOSE on a ${name}`);
    }
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), 0, 'the semaphore is still open');
    assert.equal(t.syscall(S.SYS_IPC_TRY_RECV, p, AT), 0, 'the port is still open and its message still queued');
    assert.equal(readMsg(t.memory, AT).type, 3);
    assert.ok(t.syscall(S.SYS_IPC_RING_MAP, ring, AT) >= 4096, 'the ring is still open');
  });
});

test('rights: sending needs write and receiving needs read (-EPERM, nothing moves); narrowed handles count as ends', T, async () => {
  await withChannel(4, {}, ({ kernel, t, h: c, id }) => {
    const ro = narrowed(t, c, RIGHT_READ);
    const wo = narrowed(t, c, RIGHT_WRITE);
    const none = narrowed(t, c, RIGHT_GRANT);
    assert.deepEqual(info(t, ro), { type: OBJ_CHANNEL, rights: RIGHT_READ, id });
    assert.deepEqual(info(t, wo), { type: OBJ_CHANNEL, rights: RIGHT_WRITE, id });
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 2, receivers: 2 }, 'a handle with neither right is no end');

    assert.equal(chanSend(t, ro, { p0: 1 }), -E.EPERM);
    assert.equal(chanSend(t, none, { p0: 1 }), -E.EPERM);
    assert.equal(objectInfo(kernel, id)!.depth, 0, 'nothing was queued');
    assert.equal(chanTryRecv(t, wo).r, -E.EPERM, 'on an empty channel');
    assert.equal(chanRecv(t, wo).r, -E.EPERM, 'CHAN_RECV on an empty channel without read does not block');
    assert.equal(chanRecv(t, none).r, -E.EPERM);

    assert.equal(chanSend(t, wo, { p0: 2 }), 0, 'a write-only handle sends');
    assert.equal(chanTryRecv(t, wo).r, -E.EPERM);
    assert.equal(chanRecv(t, wo).r, -E.EPERM);
    assert.equal(chanTryRecv(t, none).r, -E.EPERM);
    assert.equal(objectInfo(kernel, id)!.depth, 1, 'the message is still queued');
    const got = chanRecv(t, ro);
    assert.deepEqual([got.r, got.m.p0, got.m.senderLo], [0, 2, t.pid], 'a read-only handle receives');

    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, ro), 0, 'closing needs no right');
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, wo), 0);
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 1, receivers: 1 });
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, none), 0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
  });
});

test('message pointers outside user memory are -EFAULT: a faulting send queues nothing, a faulting receive leaves the message queued', T, async () => {
  await withChannel(4, { leakCheck: false }, ({ kernel, t, h: c, id }) => {
    const L = t.memory.length;
    const bad: unknown[] = [-1, -64, -63, L, L - 63, L - 1, L + 64, 2 ** 32, 2 ** 53, NaN, 0.5, Infinity, '0', undefined, null, {}, BigInt(L - 1)];
    for (const ptr of bad) assert.equal(t.syscall(S.SYS_CHAN_SEND, c, ptr), -E.EFAULT, `CHAN_SEND(c, ${String(ptr)})`);
    assert.equal(objectInfo(kernel, id)!.depth, 0, 'nothing was queued');

    assert.equal(chanSend(t, c, { type: 77, p0: 1234 }), 0);
    for (const ptr of bad) {
      assert.equal(t.syscall(S.SYS_CHAN_TRY_RECV, c, ptr), -E.EFAULT, `CHAN_TRY_RECV(c, ${String(ptr)})`);
      assert.equal(t.syscall(S.SYS_CHAN_RECV, c, ptr), -E.EFAULT, `CHAN_RECV(c, ${String(ptr)})`);
    }
    assert.equal(objectInfo(kernel, id)!.depth, 1, 'the message is still queued');
    const got = chanTryRecv(t, c);
    assert.deepEqual([got.r, got.m.type, got.m.p0], [0, 77, 1234]);
  });
});

test('a receive into a bad pointer on an empty channel is -EFAULT at once, as IPC_TRY_RECV / IPC_RECV are on a port (not EAGAIN, not a sleep)', T, async () => {
  await withChannel(4, { agents: 1, grant: true, leakCheck: false }, async ({ kernel, t, h: c, id, agents: [a], grants: [g] }) => {
    const L = t.memory.length;
    const problems: string[] = [];
    for (const ptr of [L - 63, -1, NaN]) {
      const r = t.syscall(S.SYS_CHAN_TRY_RECV, c, ptr);
      if (r !== -E.EFAULT) problems.push(`CHAN_TRY_RECV(c, ${ptr}) on an empty channel = ${r}, expected ${-E.EFAULT}`);
    }
    // CHAN_RECV in another thread: it must fail at once rather than sleep.
    a.start(S.SYS_CHAN_RECV, g, 65536 - 10);
    const res = track(a.result());
    await waitFor(() => {
      const ti = taskInfo(kernel, a.pid);
      return res.settled || (ti?.state === 'blocked' && ti.blockedOn?.objectId === id);
    }, 'the receive to return or to block');
    if (!res.settled) {
      assert.equal(chanSend(t, c, { p0: 1 }), 0, 'a message wakes the sleeper');
      const r = (await within(res.promise, 10_000, 'the woken receive')).r;
      problems.push(`CHAN_RECV(g, ${65536 - 10}) on an empty channel slept until a message came (then returned ${r}), expected ${-E.EFAULT} at once`);
      assert.equal(chanTryRecv(t, c).m.p0, 1, 'the message that woke it stayed queued');
    } else {
      const r = (await res.promise).r;
      if (r !== -E.EFAULT) problems.push(`CHAN_RECV(g, ${65536 - 10}) on an empty channel = ${r}, expected ${-E.EFAULT}`);
    }
    await a.exitWith(0);
    assert.deepEqual(problems, []);
  });
});

test('a receiver blocked in CHAN_RECV (another thread) is woken by a send from another task, and gets the message with its sender', T, async () => {
  await withChannel(4, { agents: 2, grant: true }, async ({ kernel, t, h: c, id, agents: [a, b], grants: [ga, gb] }) => {
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 3, receivers: 3 });

    // Woken by init.
    a.start(S.SYS_CHAN_RECV, ga, 0, 0, { at: 0 });
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    assert.equal(objectInfo(kernel, id)!.waiters.receivers, 1);
    const mem = t.memory;
    writeMsg(mem, AT, { type: 42 });
    mem.set(new TextEncoder().encode('Hi!'), AT + 16);
    assert.equal(t.syscall(S.SYS_CHAN_SEND, c, AT), 0);
    const first = await a.result();
    assert.equal(first.r, 0);
    assert.deepEqual([first.msg.senderLo, first.msg.senderHi, first.msg.type], [t.pid, 0, 42]);
    assert.equal(new TextDecoder().decode(first.bytes.subarray(16, 19)), 'Hi!');

    // Woken by a third task; the forged sender is overwritten with its pid.
    a.start(S.SYS_CHAN_RECV, ga, 0, 0, { at: 0 });
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    assert.equal((await b.syscall(S.SYS_CHAN_SEND, gb, 128, 0, { at: 128, fresh: { senderLo: 1, senderHi: 0xffff, type: 7, p0: 77 } })).r, 0);
    const second = await a.result();
    assert.equal(second.r, 0);
    assert.deepEqual([second.msg.senderLo, second.msg.senderHi, second.msg.type, second.msg.p0], [b.pid, 0, 7, 77]);
    assert.equal(objectInfo(kernel, id)!.depth, 0, 'the message was taken, not copied');
    assert.equal(chanTryRecv(t, c).r, -E.EAGAIN);

    await a.exitWith(0);
    await b.exitWith(0);
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 1, receivers: 1 }, 'the exited tasks\' handles are released');
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
  });
});

test('a sender blocked in CHAN_SEND on a full channel (another thread) is woken when another task receives; order is kept', T, async () => {
  await withChannel(2, { agents: 2, grant: true }, async ({ kernel, t, h: c, id, agents: [a, b], grants: [ga, gb] }) => {
    for (let i = 0; i < 2; i++) assert.equal((await a.syscall(S.SYS_CHAN_SEND, ga, 0, 0, { at: 0, fresh: { p0: i } })).r, 0, `send #${i}`);

    // Made room for by init.
    a.start(S.SYS_CHAN_SEND, ga, 0, 0, { at: 0, fresh: { p0: 2 } });
    await waitBlockedOn(kernel, a.pid, 'channel', 'writable', id);
    const o = objectInfo(kernel, id)!;
    assert.deepEqual([o.depth, o.waiters.senders], [2, 1]);
    const r0 = chanTryRecv(t, c);
    assert.deepEqual([r0.r, r0.m.p0, r0.m.senderLo], [0, 0, a.pid]);
    assert.equal((await a.result()).r, 0, 'the blocked send completed');

    // Made room for by a third task's CHAN_RECV.
    a.start(S.SYS_CHAN_SEND, ga, 0, 0, { at: 0, fresh: { p0: 3 } });
    await waitBlockedOn(kernel, a.pid, 'channel', 'writable', id);
    const r1 = await b.syscall(S.SYS_CHAN_RECV, gb, 0, 0, { at: 0 });
    assert.deepEqual([r1.r, r1.msg.p0, r1.msg.senderLo], [0, 1, a.pid]);
    assert.equal((await a.result()).r, 0);

    assert.equal(chanRecv(t, c).m.p0, 2);
    assert.equal(chanRecv(t, c).m.p0, 3);
    assert.equal(chanTryRecv(t, c).r, -E.EAGAIN, 'each message arrived once');
    await a.exitWith(0);
    await b.exitWith(0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
  });
});

test('MPMC: two producer tasks and two consumer tasks through a channel of 3; each message arrives once, each producer\'s in order; consumers end with EPIPE', T, async () => {
  await withChannel(3, { agents: 4 }, async ({ kernel, t, h: c, id, agents }) => {
    const producers = agents.slice(0, 2);
    const consumers = agents.slice(2);
    const sendEnd = narrowed(t, c, RIGHT_WRITE | RIGHT_GRANT);
    const recvEnd = narrowed(t, c, RIGHT_READ | RIGHT_GRANT);
    const ph = producers.map((p) => grant(t, sendEnd, p.pid));
    const ch = consumers.map((q) => grant(t, recvEnd, q.pid));
    for (const h of [c, sendEnd, recvEnd]) assert.equal(t.syscall(S.SYS_CHAN_CLOSE, h), 0);
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 2, receivers: 2 });

    const N = 25;
    const received: number[][] = [[], []];
    const consuming = consumers.map(async (q, k) => {
      for (;;) {
        const rep = await q.syscall(S.SYS_CHAN_RECV, ch[k]!, 0, 0, { at: 0 });
        if (rep.r === -E.EPIPE) return;
        assert.equal(rep.r, 0);
        assert.equal(rep.msg.senderLo, producers[Math.floor(rep.msg.p0 / 1000)]!.pid, 'the sender is the producer');
        received[k]!.push(rep.msg.p0);
      }
    });
    const producing = producers.map(async (p, k) => {
      for (let i = 0; i < N; i++) assert.equal((await p.syscall(S.SYS_CHAN_SEND, ph[k]!, 0, 0, { at: 0, fresh: { type: 1, p0: k * 1000 + i } })).r, 0);
      assert.equal((await p.syscall(S.SYS_CHAN_CLOSE, ph[k]!)).r, 0);
    });
    await within(Promise.all([...producing, ...consuming]), 20_000, 'the producers and consumers');

    const all = [...received[0]!, ...received[1]!].sort((x, y) => x - y);
    const expected = [...Array.from({ length: N }, (_, i) => i), ...Array.from({ length: N }, (_, i) => 1000 + i)];
    assert.deepEqual(all, expected, 'every message exactly once');
    for (const seq of received) {
      for (const k of [0, 1]) {
        const mine = seq.filter((x) => Math.floor(x / 1000) === k);
        assert.deepEqual(mine, [...mine].sort((x, y) => x - y), `producer ${k}'s messages in order`);
      }
    }
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 0, receivers: 2 });
    for (const a of agents) await a.exitWith(0);
  });
});

test('the last writer closing: queued messages drain, then CHAN_RECV / CHAN_TRY_RECV are -EPIPE at once', T, async () => {
  await withChannel(4, { agents: 1, grant: true }, async ({ kernel, t, h: c, id, agents: [a], grants: [g] }) => {
    const ro = narrowed(t, c, RIGHT_READ);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 1, receivers: 2 });
    for (let i = 1; i <= 3; i++) assert.equal((await a.syscall(S.SYS_CHAN_SEND, g, 0, 0, { at: 0, fresh: { p0: i } })).r, 0);
    assert.equal((await a.syscall(S.SYS_CHAN_CLOSE, g)).r, 0, 'the last writer closes');
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 0, receivers: 1 });
    assert.equal(objectInfo(kernel, id)!.depth, 3);

    assert.deepEqual([chanRecv(t, ro).m.p0, chanTryRecv(t, ro).m.p0, chanRecv(t, ro).m.p0], [1, 2, 3], 'queued messages drain first, in order');
    assert.equal(chanTryRecv(t, ro).r, -E.EPIPE);
    assert.equal(await within(t.syscallAsync(S.SYS_CHAN_RECV, ro, AT), 5000, 'CHAN_RECV without writers'), -E.EPIPE);
    assert.equal(chanRecv(t, ro).r, -E.EPIPE, 'CHAN_RECV does not block');
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, ro), 0);
    await a.exitWith(0);
  });
});

test('a receiver blocked in CHAN_RECV (another thread) wakes with -EPIPE when the last writer closes', T, async () => {
  await withChannel(4, { agents: 1, leakCheck: 'the channel was freed with its last handle' }, async ({ kernel, t, h: c, id, agents: [a] }) => {
    const g = grantEnd(t, c, RIGHT_READ, a.pid);
    assert.equal((await a.info(g)).info.rights, RIGHT_READ | RIGHT_GRANT);
    a.start(S.SYS_CHAN_RECV, g, 0, 0, { at: 0 });
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0, 'init closes the only handle that can send');
    assert.equal((await within(a.result(), 10_000, 'the blocked receive')).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_CHAN_TRY_RECV, g, 0)).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_CHAN_CLOSE, g)).r, 0);
    await a.exitWith(0);
  });
});

test('a sender blocked in CHAN_SEND (another thread) wakes with -EPIPE when the last reader closes; the message is not sent', T, async () => {
  await withChannel(1, { agents: 1, leakCheck: 'the channel was freed with its last handle, its queued message with it' }, async ({ kernel, t, h: c, id, agents: [a] }) => {
    const g = grantEnd(t, c, RIGHT_WRITE, a.pid);
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 2, receivers: 1 });
    assert.equal(chanSend(t, c, { p0: 1 }), 0, 'now full');
    a.start(S.SYS_CHAN_SEND, g, 0, 0, { at: 0, fresh: { p0: 2 } });
    await waitBlockedOn(kernel, a.pid, 'channel', 'writable', id);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0, 'init closes the only handle that can receive');
    assert.equal((await within(a.result(), 10_000, 'the blocked send')).r, -E.EPIPE);
    const o = objectInfo(kernel, id)!;
    assert.deepEqual(o.ends, { senders: 1, receivers: 0 });
    assert.equal(o.depth, 1, 'the blocked message was not added');
    assert.equal((await a.syscall(S.SYS_CHAN_SEND, g, 0, 0, { at: 0, fresh: { p0: 3 } })).r, -E.EPIPE, 'and every later send');
    assert.equal((await a.syscall(S.SYS_CHAN_CLOSE, g)).r, 0);
    await a.exitWith(0);
  });
});

test('a task terminated while blocked in CHAN_RECV: its handle is released, the other receiver still gets the next message', T, async () => {
  await withChannel(4, { agents: 2, grant: true }, async ({ kernel, t, h: c, id, agents: [a, b], grants: [ga, gb] }) => {
    a.start(S.SYS_CHAN_RECV, ga, 0, 0, { at: 0 });
    b.start(S.SYS_CHAN_RECV, gb, 0, 0, { at: 0 });
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    await waitBlockedOn(kernel, b.pid, 'channel', 'readable', id);
    await a.terminate();
    await waitFor(() => objectInfo(kernel, id)!.ends!.receivers === 2, 'the dead task\'s end to be released');
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 2, receivers: 2 });
    // The release woke every waiter to look again: the other receiver parks again.
    await waitBlockedOn(kernel, b.pid, 'channel', 'readable', id);
    assert.equal(objectInfo(kernel, id)!.waiters.receivers, 1);

    assert.equal(chanSend(t, c, { p0: 9 }), 0);
    const got = await within(b.result(), 10_000, 'the surviving receiver');
    assert.deepEqual([got.r, got.msg.p0, got.msg.senderLo], [0, 9, t.pid]);
    assert.equal(chanSend(t, c, { p0: 10 }), 0);
    assert.equal(chanTryRecv(t, c).m.p0, 10, 'the channel works on');
    await b.exitWith(0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
  });
});

test('a task terminated while blocked in CHAN_SEND: its message never arrives, another blocked sender\'s does', T, async () => {
  await withChannel(1, { agents: 2, grant: true }, async ({ kernel, t, h: c, id, agents: [a, b], grants: [ga, gb] }) => {
    assert.equal(chanSend(t, c, { p0: 1 }), 0);
    a.start(S.SYS_CHAN_SEND, ga, 0, 0, { at: 0, fresh: { p0: 99 } });
    await waitBlockedOn(kernel, a.pid, 'channel', 'writable', id);
    b.start(S.SYS_CHAN_SEND, gb, 0, 0, { at: 0, fresh: { p0: 77 } });
    await waitBlockedOn(kernel, b.pid, 'channel', 'writable', id);
    await a.terminate();
    await waitFor(() => objectInfo(kernel, id)!.ends!.senders === 2, 'the dead task\'s end to be released');
    await waitBlockedOn(kernel, b.pid, 'channel', 'writable', id);

    assert.equal(chanTryRecv(t, c).m.p0, 1);
    assert.equal((await within(b.result(), 10_000, 'the surviving sender')).r, 0);
    const got = chanRecv(t, c);
    assert.deepEqual([got.r, got.m.p0, got.m.senderLo], [0, 77, b.pid]);
    assert.equal(chanTryRecv(t, c).r, -E.EAGAIN, 'the dead sender\'s message is absent');
    await b.exitWith(0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
  });
});

test('a channel has no owner: it outlives the task that created it while a handle remains, and dies with a task holding the only handle', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_CHAN_CREATE, 2)).r;
    assert.ok(h > 0);
    assert.equal((await a.syscall(S.SYS_CHAN_SEND, h, 0, 0, { at: 0, fresh: { type: 5, p0: 55 } })).r, 0);
    const g = (await a.syscall(S.SYS_HANDLE_GRANT, h, t.pid)).r;
    assert.ok(g > 0);
    const id = info(t, g).id;
    await a.exitWith(0);
    const o = objectInfo(kernel, id)!;
    assert.deepEqual([o.destroyed, o.depth], [false, 1]);
    assert.deepEqual(o.ends, { senders: 1, receivers: 1 });
    const got = chanTryRecv(t, g);
    assert.deepEqual([got.r, got.m.type, got.m.p0, got.m.senderLo], [0, 5, 55, a.pid], 'the message sent before the creator exited');
    assert.equal(chanSend(t, g, { p0: 6 }), 0);
    assert.equal(chanRecv(t, g).m.p0, 6);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, g), 0);
    assert.deepEqual(kernel.usage(), base);

    // Created, filled and never shared: freed (pages too) when its task is killed.
    const b = await Agent.spawn(kernel);
    const withAgent = kernel.usage();
    const hb = (await b.syscall(S.SYS_CHAN_CREATE, 64)).r;
    assert.ok(hb > 0);
    assert.equal((await b.syscall(S.SYS_CHAN_SEND, hb, 0, 0, { at: 0, fresh: { p0: 1 } })).r, 0);
    assert.ok(kernel.usage().pages > withAgent.pages);
    await b.terminate();
    await waitFor(() => kernel.usage().objects === base.objects, 'the channel to be freed');
    assert.deepEqual(kernel.usage(), base);
    assert.equal(kernel.snapshot().objects.filter((x) => x.type === 'channel').length, 0);
  });
});

test('HANDLE_INFO and HANDLE_DUPLICATE work on channel handles; a duplicate is one more end, CHAN_CLOSE of one end keeps the channel', T, async () => {
  await withChannel(2, {}, ({ kernel, t, h: c, id }) => {
    const d = t.syscall(S.SYS_HANDLE_DUPLICATE, c);
    assert.ok(d > 0);
    assert.deepEqual(info(t, d), { type: OBJ_CHANNEL, rights: RIGHTS_ALL, id });
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 2, receivers: 2 });
    assert.equal(chanSend(t, d, { p0: 1 }), 0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, d), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0), EVENT_READABLE | EVENT_WRITABLE);
    assert.equal(chanTryRecv(t, c).m.p0, 1, 'the message sent through the closed duplicate is still there');
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
  });
});

test('the last writer killed: messages it queued still drain, then EPIPE; a receiver blocked in another task wakes with EPIPE', T, async () => {
  await withChannel(4, { agents: 3 }, async ({ kernel, t, h: c, id, agents: [w1, w2, r] }) => {
    // Killed with messages queued: they are delivered, then EPIPE.
    const ro = narrowed(t, c, RIGHT_READ);
    const g1 = grant(t, c, w1.pid);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0, 'init keeps only a read end');
    for (let i = 1; i <= 3; i++) assert.equal((await w1.syscall(S.SYS_CHAN_SEND, g1, 0, 0, { at: 0, fresh: { p0: i } })).r, 0);
    await w1.terminate();
    await waitFor(() => objectInfo(kernel, id)!.ends!.senders === 0, 'the killed writer\'s end to be released');
    for (let i = 1; i <= 3; i++) {
      const got = chanTryRecv(t, ro);
      assert.deepEqual([got.r, got.m.p0, got.m.senderLo], [0, i, w1.pid], `message ${i} of the dead writer`);
    }
    assert.equal(chanTryRecv(t, ro).r, -E.EPIPE);
    assert.equal(chanRecv(t, ro).r, -E.EPIPE);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, ro), 0);

    // Killed while another task is blocked receiving: it wakes with EPIPE.
    const c2 = createChannel(t, 4);
    const id2 = info(t, c2).id;
    const gr = grantEnd(t, c2, RIGHT_READ, r.pid);
    grant(t, c2, w2.pid);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c2), 0);
    assert.deepEqual(objectInfo(kernel, id2)!.ends, { senders: 1, receivers: 2 });
    r.start(S.SYS_CHAN_RECV, gr, 0, 0, { at: 0 });
    await waitBlockedOn(kernel, r.pid, 'channel', 'readable', id2);
    await w2.terminate();
    assert.equal((await within(r.result(), 10_000, 'the blocked receive')).r, -E.EPIPE);
    assert.deepEqual(objectInfo(kernel, id2)!.ends, { senders: 0, receivers: 1 });
    await r.exitWith(0);
  });
});

test('a receiver blocked in CHAN_RECV (another thread) wakes with -EBADF when its handle is revoked, and takes nothing', T, async () => {
  await withChannel(4, { agents: 1, grant: true, leakCheck: false }, async ({ kernel, t, h: c, id, agents: [a], grants: [g] }) => {
    a.start(S.SYS_CHAN_RECV, g, 0, 0, { at: 0 });
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, c), 1);
    await assertRevokedWake(a, 'the receive on a revoked handle');
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 1, receivers: 1 }, 'the revoked end is gone');
    assert.equal(chanSend(t, c, { p0: 3 }), 0);
    assert.equal(chanTryRecv(t, c).m.p0, 3, 'the revoked receiver took nothing');
    assert.equal((await a.syscall(S.SYS_CHAN_SEND, g, 0, 0, { at: 0, fresh: {} })).r, -E.EBADF);
    await a.exitWith(0);
  });
});

test('a channel end in flight in a port message still counts: receivers sleep on while it is queued, and get EPIPE when it is dropped', T, async () => {
  await withChannel(4, { agents: 1 }, async ({ kernel, t, h: c, id, agents: [a] }) => {
    const g = grantEnd(t, c, RIGHT_READ, a.pid);
    const box = createPort(t);
    // Send the only writer end in a message, then close it here.
    assert.equal(t.syscall(S.SYS_IPC_SEND, box, writeMsg(t.memory, AT, { type: 1, flags: c })), 0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 1, receivers: 2 }, 'the end in flight is counted');
    a.start(S.SYS_CHAN_RECV, g, 0, 0, { at: 0 });
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);

    // Received: the end lands in init's table and works.
    assert.equal(t.syscall(S.SYS_IPC_TRY_RECV, box, AT), 0);
    const landed = readMsg(t.memory, AT).flags;
    assert.ok(landed > 0);
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 1, receivers: 2 });
    assert.equal(chanSend(t, landed, { p0: 42 }), 0);
    assert.equal((await within(a.result(), 10_000, 'the blocked receive')).msg.p0, 42);

    // In flight again, and dropped with the port that holds it.
    assert.equal(t.syscall(S.SYS_IPC_SEND, box, writeMsg(t.memory, AT, { type: 2, flags: landed })), 0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, landed), 0);
    a.start(S.SYS_CHAN_RECV, g, 0, 0, { at: 0 });
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, box), 0, 'the port dies, its queued message and the handle in it are dropped');
    assert.equal((await within(a.result(), 10_000, 'the blocked receive')).r, -E.EPIPE);
    assert.deepEqual(objectInfo(kernel, id)!.ends, { senders: 0, receivers: 1 });
    assert.equal((await a.syscall(S.SYS_CHAN_CLOSE, g)).r, 0);
    await a.exitWith(0);
  });
});

test('a revoke reaches a CHAN_RECV / CHAN_SEND / HANDLE_WAIT that has passed its handle check but not yet parked: -EBADF', T, async () => {
  // As in the semaphore suite: a long spin (0.5 s) catches the waiter
  // between its handle check and its futex sleep.
  for (const op of ['chan-recv', 'chan-send', 'handle-wait'] as const) {
    await withKernel(
      async (kernel) => {
        const t = kernel.task;
        const c = createChannel(t, 1);
        if (op === 'chan-send') assert.equal(chanSend(t, c, { p0: 1 }), 0, 'full');
        // HANDLE_WAIT on a handle that can read and write returns at once: wait on a read-only one.
        const d = op === 'handle-wait' ? narrowed(t, c, RIGHT_READ | RIGHT_GRANT) : t.syscall(S.SYS_HANDLE_DUPLICATE, c);
        const got = await raceSpinningWaiter(
          kernel,
          op,
          (pid) => grant(t, d, pid),
          () => assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, c), 2, 'd and the waiter\'s handle'),
          () => assert.equal(op === 'chan-send' ? chanTryRecv(t, c).r : chanSend(t, c, { p0: 2 }), 0),
        );
        assert.equal(got.lost, false, `${op} slept through the revoke of its handle (after a rescue: ${got.afterRescue})`);
        assert.equal(got.result, -E.EBADF, op);
      },
      { spin: 500_000, maxSpinners: 8 },
    );
  }
});
