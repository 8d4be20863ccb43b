/**
 * HANDLE_WAIT (3) on channels, semaphores and rings.
 * - channel: READABLE when non-empty (or no sender is left) and the handle
 *   can read; WRITABLE when there is room (or no receiver is left) and the
 *   handle can write;
 * - semaphore: READABLE when the count is above 0 and the handle can take;
 *   never WRITABLE;
 * - ring: READABLE / WRITABLE follow the kernel's byte stream in the ring
 *   (empty at creation: WRITABLE only), not raw writes to the mapping.
 * Timeout 0 polls (EAGAIN when nothing is ready), a positive timeout ends
 * with ETIMEDOUT, -1 waits forever; a waiter parked in another thread is
 * woken by the event another task causes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, EVENT_READABLE, EVENT_WRITABLE, RIGHT_GRANT, RIGHT_READ, RIGHT_WRITE, type Task } from '../../src/index.js';
import { ringRead, ringWrite } from '../../src/objects/ring/stream.js';
import { withKernel } from '../support/kernel.js';
import { within } from '../support/wait.js';
import { info, objectInfo, readMsg, writeMsg } from '../support/abi.js';
import { taskInfo } from '../support/blocked.js';
import { assertNoWaiters, assertRevokedWake, createChannel, createRing, grant, narrowed, parksSettle, withChannel, withRing, withSemaphore } from './fixtures/object-rig.js';
import { waitBlockedOn } from '../support/blocked.js';

const T = { timeout: 30_000 };
const R = EVENT_READABLE;
const W = EVENT_WRITABLE;
const AT = 50_000;
const PAGE = 4096;

const chanSend = (t: Task, h: number, p0 = 0): number => t.syscall(S.SYS_CHAN_SEND, h, writeMsg(t.memory, AT, { p0 }));
const chanTryRecv = (t: Task, h: number): number => t.syscall(S.SYS_CHAN_TRY_RECV, h, AT);
const poll = (t: Task, h: number, interest = 0): number => t.syscall(S.SYS_HANDLE_WAIT, h, 0, interest);

// --- channels --------------------------------------------------------------

test('channel, timeout 0: READABLE when non-empty and the handle reads, WRITABLE when there is room and it writes; -EAGAIN when neither', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const c = createChannel(t, 2);
    const ro = narrowed(t, c, RIGHT_READ);
    const wo = narrowed(t, c, RIGHT_WRITE);
    const none = narrowed(t, c, RIGHT_GRANT);
    const table = () => [poll(t, c), poll(t, ro), poll(t, wo), poll(t, none), poll(t, c, R), poll(t, c, W)];
    assert.deepEqual(table(), [W, -E.EAGAIN, W, -E.EAGAIN, -E.EAGAIN, W], 'empty');
    assert.equal(chanSend(t, c, 1), 0);
    assert.deepEqual(table(), [R | W, R, W, -E.EAGAIN, R, W], 'one of two');
    assert.equal(chanSend(t, c, 2), 0);
    assert.deepEqual(table(), [R, R, -E.EAGAIN, -E.EAGAIN, R, -E.EAGAIN], 'full');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 1_000_000), R, 'a timed wait with an event ready returns it at once');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, -1, R), R);
    assert.equal(chanTryRecv(t, ro), 0);
    assert.equal(chanTryRecv(t, ro), 0);
    assert.deepEqual(table(), [W, -E.EAGAIN, W, -E.EAGAIN, -E.EAGAIN, W], 'empty again');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0, 4), -E.EINVAL, 'unknown event bits');
  });
});

test('channel, timeout 0: READABLE once no sender is left (CHAN_RECV then says EPIPE), WRITABLE once no receiver is left (CHAN_SEND says EPIPE)', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const c = createChannel(t, 2);
    const ro = narrowed(t, c, RIGHT_READ);
    assert.equal(poll(t, ro), -E.EAGAIN);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0, 'the last writer goes');
    assert.equal(poll(t, ro), R, 'empty, but a receive would not block');
    assert.equal(t.syscall(S.SYS_CHAN_RECV, ro, AT), -E.EPIPE);

    const c2 = createChannel(t, 1);
    const wo = narrowed(t, c2, RIGHT_WRITE);
    assert.equal(chanSend(t, wo), 0);
    assert.equal(poll(t, wo), -E.EAGAIN, 'full');
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c2), 0, 'the last reader goes');
    assert.equal(poll(t, wo), W, 'full, but a send would not block');
    assert.equal(chanSend(t, wo), -E.EPIPE);
  });
});

test('channel: a positive timeout with nothing ready is -ETIMEDOUT (sync and async), and leaves no waiter behind', T, async () => {
  await withChannel(1, { leakCheck: false }, async ({ kernel, t, h: c, id }) => {
    const ro = narrowed(t, c, RIGHT_READ);
    const wo = narrowed(t, c, RIGHT_WRITE);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, ro, 1), -E.ETIMEDOUT, '1 ns, empty, read only');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, ro, 2_000_000), -E.ETIMEDOUT, '2 ms');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 2_000_000, R), -E.ETIMEDOUT, 'interest READABLE only');
    assert.equal(await within(t.syscallAsync(S.SYS_HANDLE_WAIT, ro, 2_000_000), 5000, 'async timed wait'), -E.ETIMEDOUT);
    assert.equal(chanSend(t, c), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, wo, 2_000_000), -E.ETIMEDOUT, 'full, write only');
    assert.equal(await within(t.syscallAsync(S.SYS_HANDLE_WAIT, wo, 2_000_000), 5000, 'async timed wait'), -E.ETIMEDOUT);
    assertNoWaiters(kernel, id);
  });
});

test('channel: HANDLE_WAIT(-1) in another thread sleeps until a send from another task makes it READABLE, and until a receive makes it WRITABLE', T, async () => {
  await withChannel(1, { agents: 1, grant: true }, async ({ kernel, t, h: c, id, agents: [a], grants: [g] }) => {

    a.start(S.SYS_HANDLE_WAIT, g, -1, R);
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    await parksSettle(kernel, 'the waiter');
    assert.equal(taskInfo(kernel, a.pid)!.state, 'blocked', 'still parked');
    assert.equal(chanSend(t, c, 7), 0);
    assert.equal((await within(a.result(), 10_000, 'the readable wait')).r, R);
    assert.equal(objectInfo(kernel, id)!.depth, 1, 'waiting takes nothing');

    a.start(S.SYS_HANDLE_WAIT, g, -1, W);
    await waitBlockedOn(kernel, a.pid, 'channel', 'writable', id);
    assert.equal(chanTryRecv(t, c), 0);
    assert.equal(readMsg(t.memory, AT).p0, 7);
    assert.equal((await within(a.result(), 10_000, 'the writable wait')).r, W);

    // A long positive timeout is ended by the event, not the deadline.
    a.start(S.SYS_HANDLE_WAIT, g, 2_000_000_000, R);
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    assert.equal(chanSend(t, c, 8), 0);
    assert.equal((await within(a.result(), 10_000, 'the timed wait')).r, R);
    await a.exitWith(0);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0);
  });
});

test('channel: a HANDLE_WAIT parked in another thread wakes when the last writer (READABLE) or the last reader (WRITABLE) goes', T, async () => {
  await withChannel(1, { agents: 1, leakCheck: false }, async ({ kernel, t, h: c, id, agents: [a] }) => {
    const g = grant(t, narrowed(t, c, RIGHT_READ | RIGHT_GRANT), a.pid);
    a.start(S.SYS_HANDLE_WAIT, g, -1);
    await waitBlockedOn(kernel, a.pid, 'channel', 'readable', id);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c), 0, 'the last writer goes');
    assert.equal((await within(a.result(), 10_000, 'the wait')).r, R);
    assert.equal((await a.syscall(S.SYS_CHAN_RECV, g, 0)).r, -E.EPIPE);

    const c2 = createChannel(t, 1);
    const id2 = info(t, c2).id;
    const g2 = grant(t, narrowed(t, c2, RIGHT_WRITE | RIGHT_GRANT), a.pid);
    assert.equal(chanSend(t, c2), 0, 'full');
    a.start(S.SYS_HANDLE_WAIT, g2, -1);
    await waitBlockedOn(kernel, a.pid, 'channel', 'writable', id2);
    assert.equal(t.syscall(S.SYS_CHAN_CLOSE, c2), 0, 'the last reader goes');
    assert.equal((await within(a.result(), 10_000, 'the wait')).r, W);
    assert.equal((await a.syscall(S.SYS_CHAN_SEND, g2, 0, 0, { at: 0, fresh: {} })).r, -E.EPIPE);
    await a.exitWith(0);
  });
});

// --- semaphores ------------------------------------------------------------

test('semaphore, timeout 0: READABLE while the count is above 0 and the handle can take, never WRITABLE; waiting takes nothing', T, async () => {
  await withSemaphore(0, { leakCheck: false }, ({ kernel, t, h: s, id }) => {
    const ro = narrowed(t, s, RIGHT_READ);
    const wo = narrowed(t, s, RIGHT_WRITE);
    const table = () => [poll(t, s), poll(t, s, R), poll(t, s, W), poll(t, ro), poll(t, wo)];
    assert.deepEqual(table(), [-E.EAGAIN, -E.EAGAIN, -E.EAGAIN, -E.EAGAIN, -E.EAGAIN], 'count 0');
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.deepEqual(table(), [R, R, -E.EAGAIN, R, -E.EAGAIN], 'count 1');
    assert.equal(objectInfo(kernel, id)!.count, 1, 'HANDLE_WAIT does not take');
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, s, 1_000_000), R);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, s, -1), R);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, s, 0, 4), -E.EINVAL);
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), 0);
    assert.deepEqual(table(), [-E.EAGAIN, -E.EAGAIN, -E.EAGAIN, -E.EAGAIN, -E.EAGAIN], 'count 0 again');
  });
});

test('semaphore: a positive timeout at count 0 is -ETIMEDOUT (sync and async) and leaves no waiter behind', T, async () => {
  await withSemaphore(0, { leakCheck: false }, async ({ kernel, t, h: s, id }) => {
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, s, 1), -E.ETIMEDOUT);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, s, 2_000_000), -E.ETIMEDOUT);
    assert.equal(await within(t.syscallAsync(S.SYS_HANDLE_WAIT, s, 2_000_000), 5000, 'async timed wait'), -E.ETIMEDOUT);
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, s, 2_000_000, W), -E.ETIMEDOUT, 'WRITABLE never comes, whatever the count');
    assertNoWaiters(kernel, id);
    assert.equal(objectInfo(kernel, id)!.count, 1);
  });
});

test('semaphore: HANDLE_WAIT(-1) in another thread sleeps until a post from another task (init, then a third task)', T, async () => {
  await withSemaphore(0, { agents: 2, grant: true }, async ({ kernel, t, h: s, id, agents: [a, b], grants: [ga, gb] }) => {

    a.start(S.SYS_HANDLE_WAIT, ga, -1);
    await waitBlockedOn(kernel, a.pid, 'semaphore', 'readable', id);
    await parksSettle(kernel, 'the waiter');
    assert.equal(taskInfo(kernel, a.pid)!.state, 'blocked', 'still parked');
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.equal((await within(a.result(), 10_000, 'the wait')).r, R);
    assert.equal(objectInfo(kernel, id)!.count, 1, 'the waiter took nothing');
    assert.equal(t.syscall(S.SYS_SEM_TRYWAIT, s), 0);

    a.start(S.SYS_HANDLE_WAIT, ga, 2_000_000_000, R);
    await waitBlockedOn(kernel, a.pid, 'semaphore', 'readable', id);
    assert.equal((await b.syscall(S.SYS_SEM_POST, gb)).r, 0);
    assert.equal((await within(a.result(), 10_000, 'the timed wait')).r, R);
    assert.equal((await a.syscall(S.SYS_SEM_TRYWAIT, ga)).r, 0);

    await a.exitWith(0);
    await b.exitWith(0);
    assert.equal(t.syscall(S.SYS_SEM_CLOSE, s), 0);
  });
});

test('semaphore: a HANDLE_WAIT parked on a revoked handle wakes with -EBADF; a waiter killed while parked leaves the count alone', T, async () => {
  await withSemaphore(0, { agents: 2 }, async ({ kernel, t, h: s, id, agents: [a, b] }) => {
    const d = t.syscall(S.SYS_HANDLE_DUPLICATE, s);
    assert.ok(d > 0, 'duplicate');
    const ga = grant(t, d, a.pid);
    const gb = grant(t, s, b.pid);
    a.start(S.SYS_HANDLE_WAIT, ga, -1);
    b.start(S.SYS_HANDLE_WAIT, gb, -1);
    await waitBlockedOn(kernel, a.pid, 'semaphore', 'readable', id);
    await waitBlockedOn(kernel, b.pid, 'semaphore', 'readable', id);
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, d), 1, 'a\'s handle only');
    await assertRevokedWake(a, 'the wait on a revoked handle');
    // The revoke woke every waiter on the semaphore to look again; b parks again.
    await waitBlockedOn(kernel, b.pid, 'semaphore', 'readable', id);
    await b.terminate();
    assert.equal(t.syscall(S.SYS_SEM_POST, s), 0);
    assert.equal(objectInfo(kernel, id)!.count, 1);
    assert.equal(poll(t, s), R);
    await a.exitWith(0);
    for (const h of [d, s]) assert.equal(t.syscall(S.SYS_SEM_CLOSE, h), 0);
  });
});

// --- rings -----------------------------------------------------------------

test('ring, timeout 0: empty at creation (WRITABLE only); the events follow the kernel byte stream, not raw writes to the mapping', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const h = createRing(t, PAGE);
    const ro = narrowed(t, h, RIGHT_READ);
    const wo = narrowed(t, h, RIGHT_WRITE);
    const table = () => [poll(t, h), poll(t, h, R), poll(t, h, W), poll(t, ro), poll(t, wo)];
    assert.deepEqual(table(), [W, -E.EAGAIN, W, -E.EAGAIN, W], 'new ring');

    // Bytes written straight into the mapped pages are not stream data.
    assert.equal(t.syscall(S.SYS_IPC_RING_MAP, h, AT), PAGE);
    const v = new DataView(t.memory.buffer);
    new Uint8Array(kernel.buffer, v.getUint32(AT, true) + v.getUint32(AT + 4, true) * 2 ** 32, 16).fill(7);
    assert.deepEqual(table(), [W, -E.EAGAIN, W, -E.EAGAIN, W], 'raw writes to the mapping');

    assert.equal(ringWrite(t.ctx, h, new Uint8Array(5).fill(1), 0, 5, true, false), 5);
    assert.deepEqual(table(), [R | W, R, W, R, W], 'five bytes in the stream');
    const room = PAGE - 1 - 5;
    assert.equal(ringWrite(t.ctx, h, new Uint8Array(room), 0, room, true, false), room);
    assert.deepEqual(table(), [R, R, -E.EAGAIN, R, -E.EAGAIN], 'the stream is full (size - 1 bytes)');
    const out = new Uint8Array(PAGE);
    assert.equal(ringRead(t.ctx, h, out, 0, PAGE, false), PAGE - 1);
    assert.deepEqual(table(), [W, -E.EAGAIN, W, -E.EAGAIN, W], 'drained');
  });
});

test('ring: a positive timeout with nothing ready is -ETIMEDOUT (sync and async)', T, async () => {
  await withRing(PAGE, { leakCheck: false }, async ({ kernel, t, h, id }) => {
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, h, 2_000_000, R), -E.ETIMEDOUT);
    assert.equal(await within(t.syscallAsync(S.SYS_HANDLE_WAIT, h, 2_000_000, R), 5000, 'async timed wait'), -E.ETIMEDOUT);
    assert.equal(ringWrite(t.ctx, h, new Uint8Array(PAGE - 1), 0, PAGE - 1, true, false), PAGE - 1);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, h, 2_000_000, W), -E.ETIMEDOUT, 'full');
    assertNoWaiters(kernel, id);
  });
});

test('ring: HANDLE_WAIT(-1) in another thread sleeps until stream bytes arrive (READABLE) and until bytes are read from a full stream (WRITABLE)', T, async () => {
  await withRing(PAGE, { agents: 1, grant: true }, async ({ kernel, t, h, id, agents: [a], grants: [g] }) => {

    a.start(S.SYS_HANDLE_WAIT, g, -1, R);
    await waitBlockedOn(kernel, a.pid, 'ring', 'readable', id);
    await parksSettle(kernel, 'the waiter');
    assert.equal(taskInfo(kernel, a.pid)!.state, 'blocked', 'still parked');
    assert.equal(ringWrite(t.ctx, h, new TextEncoder().encode('hello'), 0, 5, true, false), 5);
    assert.equal((await within(a.result(), 10_000, 'the readable wait')).r, R);

    assert.equal(ringWrite(t.ctx, h, new Uint8Array(PAGE - 6), 0, PAGE - 6, true, false), PAGE - 6);
    a.start(S.SYS_HANDLE_WAIT, g, -1, W);
    await waitBlockedOn(kernel, a.pid, 'ring', 'writable', id);
    const out = new Uint8Array(5);
    assert.equal(ringRead(t.ctx, h, out, 0, 5, false), 5);
    assert.equal(new TextDecoder().decode(out), 'hello');
    assert.equal((await within(a.result(), 10_000, 'the writable wait')).r, W);

    await a.exitWith(0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
  });
});
