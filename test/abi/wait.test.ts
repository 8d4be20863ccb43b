/**
 * HANDLE_WAIT (3): ready events (READABLE 1 for a non-empty port and a handle
 * with read, WRITABLE 2 for room and a handle with write); timeout 0 polls
 * (EAGAIN when nothing is ready), -1 waits forever, a positive timeout in ns
 * ends with ETIMEDOUT. Waits are real futex sleeps: a waiter blocked in
 * another thread stays parked until another task changes the port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sys as S, errno as E, EVENT_READABLE, EVENT_WRITABLE } from '../../src/index.js';
import { withKernel } from '../support/kernel.js';
import { within } from '../support/wait.js';
import { Agent, bind, connect, createPort, info, objectInfo, send, servicePort, tryRecv } from '../support/abi.js';
import { taskInfo, taskOf } from '../support/blocked.js';

const T = { timeout: 20_000 };
const R = EVENT_READABLE;
const W = EVENT_WRITABLE;

test('HANDLE_WAIT with timeout 0 reports the ready events at once, or -EAGAIN when none is', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    assert.equal(bind(t, p, '/abi/wait'), 0);
    const c = connect(t, '/abi/wait');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, p, 0), W, 'empty port, every right: room to write');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0), W, 'empty port, write only');
    assert.equal(send(t, p, {}), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, p, 0), R | W, 'some messages: both');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0), W, 'a write-only handle never sees READABLE');
    for (let i = 1; i < 16; i++) assert.equal(send(t, p, {}), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, p, 0), R, 'full: readable only');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0), -E.EAGAIN, 'full, write only: nothing is ready');
    assert.equal(tryRecv(t, p).r, 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0), W);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0n), W, 'a bigint timeout');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, p, 1_000_000), R | W, 'a timed wait with events ready returns at once');
  });
});

test('HANDLE_WAIT with a positive timeout in ns returns -ETIMEDOUT when nothing becomes ready', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    assert.equal(bind(t, p, '/abi/wait'), 0);
    const c = connect(t, '/abi/wait');
    for (let i = 0; i < 16; i++) assert.equal(send(t, p, {}), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 1), -E.ETIMEDOUT, '1 ns');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 2_000_000), -E.ETIMEDOUT, '2 ms');
    assert.equal(await within(t.syscallAsync(S.SYS_HANDLE_WAIT, c, 2_000_000), 5000, 'async timed wait'), -E.ETIMEDOUT);
    assert.equal(taskInfo(kernel, t.pid)!.state, 'running', 'no wait is left recorded');
    assert.equal(objectInfo(kernel, info(t, p).id)!.waiters.senders, 0, 'no waiter is left counted');
  });
});

test('HANDLE_WAIT rejects timeouts other than -1, 0 and positive integers (EINVAL), and bad handles (EBADF)', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    for (const ns of [-2, -1000, -(2 ** 53), 0.5, -1.5, NaN, -Infinity, '0', 'x', null, {}]) {
      assert.equal(t.syscall(S.SYS_HANDLE_WAIT, p, ns), -E.EINVAL, `timeout ${String(ns)}`);
    }
    for (const h of [0, -1, 999, NaN, 'x']) {
      for (const ns of [0, 1000, -1]) assert.equal(t.syscall(S.SYS_HANDLE_WAIT, h, ns), -E.EBADF, `handle ${String(h)}, timeout ${ns}`);
    }
    const d = t.syscall(S.SYS_HANDLE_DUPLICATE, p);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, d), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, d, -1), -E.EBADF, 'a closed handle');
  });
});

test('HANDLE_WAIT(-1) in another thread sleeps until a receive in another task makes room (a real wake-up, no polling)', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const { p, id } = servicePort(t, '/abi/wait');
    const c = await a.connect('/abi/wait');
    for (let i = 0; i < 16; i++) assert.equal(send(t, p, { p0: i }), 0);
    a.start(S.SYS_HANDLE_WAIT, c, -1);
    await a.blocked('writable', id);
    // Parked, not polling: while nothing happens it is not woken again.
    const parks = kernel.snapshot().stats.parks;
    await sleep(150);
    const later = kernel.snapshot();
    assert.equal(later.stats.parks, parks, 'the waiter did not wake up and park again');
    assert.equal(taskOf(later, a.pid)!.state, 'blocked');
    assert.equal(tryRecv(t, p).m.p0, 0);
    assert.equal((await a.result()).r, W);
    await a.exitWith(0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('HANDLE_WAIT with a long positive timeout is woken by the event, not by the deadline', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const { p, id } = servicePort(t, '/abi/wait');
    const c = await a.connect('/abi/wait');
    for (let i = 0; i < 16; i++) assert.equal(send(t, p, {}), 0);
    a.start(S.SYS_HANDLE_WAIT, c, 2_000_000_000); // 2 s, the largest an i32 command carries
    await a.blocked('writable', id);
    assert.equal(tryRecv(t, p).r, 0);
    assert.equal((await a.result()).r, W);
    await a.exitWith(0);
  });
});

test('HANDLE_WAIT(-1) from async code (syscallAsync) is woken by a receive in another thread', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/abi/wait'), 0);
    const id = (await a.info(h)).info.id;
    const c = connect(t, '/abi/wait');
    for (let i = 0; i < 16; i++) assert.equal(send(t, c, { p0: i }), 0);
    let done = false;
    const waiting = t.syscallAsync(S.SYS_HANDLE_WAIT, c, -1).then((r) => {
      done = true;
      return r;
    });
    await sleep(50);
    assert.equal(done, false, 'still waiting while the port is full');
    assert.equal(taskInfo(kernel, t.pid)!.blockedOn?.event, 'writable');
    assert.equal(taskInfo(kernel, t.pid)!.blockedOn?.objectId, id);
    const got = await a.syscall(S.SYS_IPC_RECV, h, 0, 0, { at: 0 });
    assert.deepEqual([got.r, got.msg.p0, got.msg.senderLo], [0, 0, t.pid]);
    assert.equal(await within(waiting, 5000, 'the wait'), W);
    await a.exitWith(0);
  });
});

test('HANDLE_WAIT(-1) blocked in another task wakes with -EPIPE when the port\'s owner closes it; later waits are -EPIPE at once', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const { p, id } = servicePort(t, '/abi/wait');
    const c = await a.connect('/abi/wait');
    for (let i = 0; i < 16; i++) assert.equal(send(t, p, {}), 0);
    a.start(S.SYS_HANDLE_WAIT, c, -1);
    await a.blocked('writable', id);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.equal((await a.result()).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_HANDLE_WAIT, c, -1)).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_HANDLE_WAIT, c, 0)).r, -E.EPIPE);
    assert.equal((await a.syscall(S.SYS_HANDLE_WAIT, c, 1000)).r, -E.EPIPE);
    await a.exitWith(0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('HANDLE_WAIT: a handle with read and write never sleeps on a port (it is always readable or writable)', T, async () => {
  // docs/syscalls/handle_wait.md: READABLE = non-empty and read right; WRITABLE = room and write right.
  // Every handle that can read (the creator's, duplicates, grants) can also
  // write, so waiting on one returns at once; only send-only handles sleep.
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    for (let n = 0; n <= 16; n++) {
      const ev = t.syscall(S.SYS_HANDLE_WAIT, p, 1_000_000);
      assert.equal(ev, (n > 0 ? R : 0) | (n < 16 ? W : 0), `${n} queued`);
      if (n < 16) assert.equal(send(t, p, {}), 0);
    }
  });
});

test('HANDLE_WAIT with interest READABLE (third argument) sleeps on an empty port until a send from another task', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const own = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.ok(own > 0);
    assert.equal((await a.syscall(S.SYS_HANDLE_WAIT, own, 0, R)).r, -E.EAGAIN, 'poll for readable on an empty port');
    assert.equal((await a.syscall(S.SYS_HANDLE_WAIT, own, 0, 0)).r, W, 'interest 0 means both: writable at once');
    assert.equal((await a.syscall(S.SYS_HANDLE_WAIT, own, 0, 4)).r, -E.EINVAL, 'unknown event bits');
    const granted = (await a.syscall(S.SYS_HANDLE_GRANT, own, t.pid)).r;
    assert.ok(granted > 0, 'the port is granted to init');
    const id = info(t, granted).id;
    a.start(S.SYS_HANDLE_WAIT, own, -1, R);
    await a.blocked('readable', id);
    const parks = kernel.snapshot().stats.parks;
    await sleep(100);
    assert.equal(kernel.snapshot().stats.parks, parks, 'parked, not polling');
    assert.equal(send(t, granted, { p0: 7 }), 0);
    assert.equal((await within(a.result(), 10_000, 'the readable wait')).r, R, 'only the events asked for');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, granted), 0);
    await a.exitWith(0);
    assert.deepEqual(kernel.usage(), base);
  });
});
