/**
 * Ports (Strat9's `ipc/port`): a bounded FIFO of 64-byte IpcMessages owned by
 * one task. Senders block while it is full, receivers while it is empty. A
 * port is destroyed when its owner closes its last handle to it or dies;
 * blocked senders and receivers then wake with EPIPE, queued calls get an
 * EPIPE reply and queued plain sends are dropped.
 *
 * Every op here runs one critical section and either completes, fails with
 * nothing changed, or returns WOULD_BLOCK with the wait recorded in the task
 * context; the blocking loops live in kernel/ops.ts.
 */
import * as L from '../kernel/layout.js';
import { EAGAIN, EFAULT, EINVAL, ENOSPC, EPIPE, WOULD_BLOCK } from '../kernel/errno.js';
import type { Region } from '../kernel/region.js';
import type { TaskContext } from '../kernel/context.js';
import { type MessageMemory, copyIn, copyOut, inBounds, readI32, writeI32 } from '../kernel/copy.js';
import { allocObject, registerDestroyer } from '../kernel/objects.js';
import { attachTransfer, installHandle, landTransfer, lookupHandle, lookupTyped, objectOfEntry } from '../kernel/handles.js';
import { bump, signal, wakeIfWaiting } from '../backend/futex.js';
import { allocRing, freeRing, headSlot, popHead, pushTail, tailSlot } from './queue.js';
import { allocCall, callToken, failCall } from './call.js';
import { removeBindingsOf } from './namespace.js';

/** Queue capacity of a port created through the ABI (Strat9's PORT_QUEUE_CAPACITY). */
export const DEFAULT_PORT_CAPACITY = 16;
/** Largest queue a port may be created with through the typed API. */
export const MAX_PORT_CAPACITY = 65536;

/**
 * Creates a port owned by the caller with a queue of `capacity` messages and
 * returns a handle with every right.
 * Errors: EINVAL capacity outside 1..MAX_PORT_CAPACITY; ENOMEM no object or
 * message slots left; ENOSPC the caller's handle table is full.
 */
export function createPort(ctx: TaskContext, capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_PORT_CAPACITY) return -EINVAL;
  const r = ctx.r;
  r.lock();
  if (r.w[r.task(ctx.slot) + L.T_HANDLE_COUNT]! >= r.maxHandles) return abort(r, -ENOSPC);
  const ring = allocRing(r, capacity);
  if (ring < 0) return abort(r, ring);
  const slot = allocObject(r, L.OBJ_PORT, ctx.pid);
  if (slot < 0) return abort(r, slot);
  r.set(r.object(slot) + L.O_CAPACITY, capacity);
  r.set(r.object(slot) + L.O_RING, ring);
  const h = installHandle(r, ctx.slot, slot, L.RIGHTS_ALL, 0);
  r.unlock();
  return h;
}

/** Gives up a critical section: every logged store is undone. */
function abort(r: Region, result: number): number {
  r.rollback();
  r.unlock();
  return result;
}

/**
 * Enqueues the message at `offset` of `src` on the port named by `h`, as a
 * plain send (`asCall` false; returns 0) or as a call (returns the call slot).
 * The kernel overwrites `sender` with the caller's pid (and, for a call, the
 * call token in the high word). A non-zero `flags` names a handle of the
 * caller's to transfer; the receiver gets a copy with the same rights.
 * Errors: EFAULT message outside `src`; EBADF `h` is not a port handle, or
 * flags names no handle; EPERM `h` lacks write, or the transferred handle
 * lacks grant; EPIPE the port is destroyed; ENOMEM no call slot left.
 * WOULD_BLOCK while the queue is full.
 */
export function enqueueMessage(ctx: TaskContext, h: number, src: MessageMemory, offset: number, asCall: boolean): number {
  if (!inBounds(src, offset, L.MESSAGE_BYTES)) return -EFAULT;
  const r = ctx.r;
  const w = r.w;
  r.lock();
  const o = writablePort(ctx, h);
  if (o < 0) return o === WOULD_BLOCK ? unlockWith(r, o) : abort(r, o);
  let cs = 0;
  if (asCall) {
    cs = allocCall(r, ctx.pid);
    if (cs < 0) return abort(r, cs);
  }
  const m = writeMessage(ctx, o, src, offset, asCall ? cs : -1);
  if (m < 0) return abort(r, m);
  if (asCall) {
    const c = r.call(cs);
    r.set(c + L.C_PORT, (o - r.objects) / L.OBJECT_WORDS);
    r.set(c + L.C_MESSAGE, m);
    w[L.H_STAT_CALLS] = w[L.H_STAT_CALLS]! + 1;
  } else {
    w[L.H_STAT_SENDS] = w[L.H_STAT_SENDS]! + 1;
  }
  r.unlock();
  wakeIfWaiting(w, o + L.O_READ_SEQ, o + L.O_READ_WAITERS, 1);
  return cs;
}

/**
 * Sends up to `count` consecutive messages from `src` at `offset` (64 bytes
 * each) under one lock: as many as the queue has room for. Returns how many
 * were sent (>= 1). A message whose transferred handle is invalid stops the
 * batch there; its error is returned if it is the first. Same errors as
 * {@link enqueueMessage}; WOULD_BLOCK while the queue is full.
 */
export function enqueueBatch(ctx: TaskContext, h: number, src: MessageMemory, offset: number, count: number): number {
  if (!Number.isInteger(count) || count < 1) return -EINVAL;
  if (!inBounds(src, offset, L.MESSAGE_BYTES * count)) return -EFAULT;
  const r = ctx.r;
  const w = r.w;
  r.lock();
  const o = writablePort(ctx, h);
  if (o < 0) return o === WOULD_BLOCK ? unlockWith(r, o) : abort(r, o);
  const room = w[o + L.O_CAPACITY]! - w[o + L.O_COUNT]!;
  const n = count < room ? count : room;
  let sent = 0;
  for (; sent < n; sent++) {
    const m = writeMessage(ctx, o, src, offset + sent * L.MESSAGE_BYTES, -1);
    if (m < 0) {
      if (sent === 0) return abort(r, m);
      break;
    }
  }
  w[L.H_STAT_SENDS] = w[L.H_STAT_SENDS]! + sent;
  r.unlock();
  wakeIfWaiting(w, o + L.O_READ_SEQ, o + L.O_READ_WAITERS, sent);
  return sent;
}

/**
 * The record of the port `h` names, if this task may send to it now; else
 * -errno, or WOULD_BLOCK (wait recorded) when it is full. Lock held.
 */
function writablePort(ctx: TaskContext, h: number): number {
  const r = ctx.r;
  const w = r.w;
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_PORT, L.RIGHT_WRITE);
  if (e < 0) return e;
  const slot = objectOfEntry(r, e);
  const o = r.object(slot);
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return -EPIPE;
  if (w[o + L.O_COUNT]! >= w[o + L.O_CAPACITY]!) return ctx.blockOn(o + L.O_WRITE_SEQ, o + L.O_WRITE_WAITERS, slot + 1, L.EVENT_WRITABLE);
  return o;
}

/**
 * Copies one message into a fresh slot and links it at the tail of the
 * non-full port `o`; `cs` is its call slot, or -1 for a plain send. Returns
 * the message slot, or -errno for a bad handle to transfer. Lock held.
 */
function writeMessage(ctx: TaskContext, o: number, src: MessageMemory, offset: number, cs: number): number {
  const r = ctx.r;
  const w = r.w;
  const xferHandle = readI32(src, offset + L.MSG_FLAGS);
  let xe = 0;
  if (xferHandle !== 0) {
    xe = lookupHandle(r, ctx.slot, xferHandle, L.RIGHT_GRANT);
    if (xe < 0) return xe;
  }
  const m = tailSlot(r, o);
  const at = r.message(m);
  // The slot is unused until pushTail publishes it: plain stores suffice.
  copyIn(w, r.bytes, at, src, offset);
  w[at + (L.MSG_SENDER >> 2)] = ctx.pid;
  w[at + (L.MSG_SENDER >> 2) + 1] = cs < 0 ? 0 : callToken(r, cs);
  w[at + (L.MSG_FLAGS >> 2)] = 0;
  w[at + L.M_CALL] = cs + 1;
  w[at + L.M_WITHDRAWN] = 0;
  w[at + L.M_XFER_OBJECT] = 0;
  if (xe !== 0) attachTransfer(r, at, xe);
  pushTail(r, o);
  bump(w, o + L.O_READ_SEQ);
  return m;
}

/**
 * Dequeues the oldest message of the port named by `h` into `dst` at
 * `offset`. If it is a call, the caller of this op now holds its one-shot
 * reply right. A transferred handle is installed in the receiver's table and
 * its value written in `flags`; if the table is full the message stays queued.
 * Errors: EFAULT; EBADF; EPERM `h` lacks read; EPIPE the port is destroyed;
 * EAGAIN empty and `blocking` false; ENOSPC no room for a transferred handle.
 * WOULD_BLOCK while empty (blocking).
 */
export function receiveMessage(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, blocking: boolean): number {
  if (!inBounds(dst, offset, L.MESSAGE_BYTES)) return -EFAULT;
  const r = ctx.r;
  const w = r.w;
  r.lock();
  const o = readablePort(ctx, h, blocking);
  if (o < 0) return o === WOULD_BLOCK ? unlockWith(r, o) : abort(r, o);
  const result = takeMessage(ctx, o, dst, offset);
  if (result < 0) return abort(r, result);
  w[L.H_STAT_RECEIVES] = w[L.H_STAT_RECEIVES]! + 1;
  r.unlock();
  wakeIfWaiting(w, o + L.O_WRITE_SEQ, o + L.O_WRITE_WAITERS, 1);
  return 0;
}

/**
 * Receives up to `max` queued messages into `dst` at `offset` (64 bytes
 * each) under one lock. Returns how many (>= 1). Same errors as
 * {@link receiveMessage}; WOULD_BLOCK while empty (blocking).
 */
export function receiveBatch(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, max: number, blocking: boolean): number {
  if (!Number.isInteger(max) || max < 1) return -EINVAL;
  if (!inBounds(dst, offset, L.MESSAGE_BYTES * max)) return -EFAULT;
  const r = ctx.r;
  const w = r.w;
  r.lock();
  const o = readablePort(ctx, h, blocking);
  if (o < 0) return o === WOULD_BLOCK ? unlockWith(r, o) : abort(r, o);
  let received = 0;
  for (; received < max && w[o + L.O_COUNT]! > 0; received++) {
    const result = takeMessage(ctx, o, dst, offset + received * L.MESSAGE_BYTES);
    if (result < 0) {
      if (received === 0) return abort(r, result);
      break;
    }
  }
  w[L.H_STAT_RECEIVES] = w[L.H_STAT_RECEIVES]! + received;
  r.unlock();
  wakeIfWaiting(w, o + L.O_WRITE_SEQ, o + L.O_WRITE_WAITERS, received);
  return received;
}

/**
 * The record of the port `h` names if it has a message for this task now;
 * else -errno, or WOULD_BLOCK (wait recorded) when empty and `blocking`.
 * Lock held.
 */
function readablePort(ctx: TaskContext, h: number, blocking: boolean): number {
  const r = ctx.r;
  const w = r.w;
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_PORT, L.RIGHT_READ);
  if (e < 0) return e;
  const slot = objectOfEntry(r, e);
  const o = r.object(slot);
  skipWithdrawn(r, o);
  if (w[o + L.O_COUNT] !== 0) return o;
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return -EPIPE;
  if (!blocking) return -EAGAIN;
  return ctx.blockOn(o + L.O_READ_SEQ, o + L.O_READ_WAITERS, slot + 1, L.EVENT_READABLE);
}

/**
 * Moves the head message of the non-empty port `o` to `dst`, landing its
 * transferred handle first (fail before dequeue: -ENOSPC leaves it queued)
 * and handing the reply right of a call to this task. Lock held.
 */
function takeMessage(ctx: TaskContext, o: number, dst: MessageMemory, offset: number): number {
  const r = ctx.r;
  const w = r.w;
  const at = r.message(headSlot(r, o));
  const installed = landTransfer(r, at, ctx.slot);
  if (installed < 0) return installed;
  copyOut(w, r.bytes, at, dst, offset);
  if (installed !== 0) writeI32(dst, offset + L.MSG_FLAGS, installed);
  const call = w[at + L.M_CALL]!;
  if (call !== 0) {
    const c = r.call(call - 1);
    r.set(c + L.C_SERVER, ctx.pid);
    r.set(c + L.C_MESSAGE, -1);
    r.set(c + L.C_STATE, L.CALL_RECEIVED);
  }
  popHead(r, o);
  bump(w, o + L.O_WRITE_SEQ);
  skipWithdrawn(r, o);
  return 0;
}

/**
 * Pops calls their callers withdrew (deadline, abort, death) off the head of
 * queue `o`, so that receivers never see them. Lock held.
 */
function skipWithdrawn(r: Region, o: number): void {
  const w = r.w;
  while (w[o + L.O_COUNT]! > 0 && w[r.message(headSlot(r, o)) + L.M_WITHDRAWN] === 1) {
    popHead(r, o);
    bump(w, o + L.O_WRITE_SEQ);
  }
}

/** Ends a critical section that changed nothing, passing `result` through. */
function unlockWith(r: Region, result: number): number {
  r.unlock();
  return result;
}

/**
 * Ready events of a port among `interest`, for a handle entry with
 * `rights`: READABLE when non-empty and the handle can read, WRITABLE when
 * there is room and it can write. A destroyed port reports -EPIPE. When none
 * is ready, records the wait on the word of an event the handle could see
 * and returns 0 (a handle that can see none of them waits for destruction).
 * Lock held.
 */
export function portEvents(ctx: TaskContext, slot: number, rights: number, interest: number): number {
  const r = ctx.r;
  const o = r.object(slot);
  const w = r.w;
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return -EPIPE;
  skipWithdrawn(r, o);
  const canRead = (rights & L.RIGHT_READ) !== 0 && (interest & L.EVENT_READABLE) !== 0;
  const canWrite = (rights & L.RIGHT_WRITE) !== 0 && (interest & L.EVENT_WRITABLE) !== 0;
  let events = 0;
  if (canRead && w[o + L.O_COUNT]! > 0) events |= L.EVENT_READABLE;
  if (canWrite && w[o + L.O_COUNT]! < w[o + L.O_CAPACITY]!) events |= L.EVENT_WRITABLE;
  if (events === 0) {
    if (canRead || !canWrite) ctx.blockOn(o + L.O_READ_SEQ, o + L.O_READ_WAITERS, slot + 1, L.EVENT_READABLE);
    else ctx.blockOn(o + L.O_WRITE_SEQ, o + L.O_WRITE_WAITERS, slot + 1, L.EVENT_WRITABLE);
  }
  return events;
}

/**
 * Destroys a port: queued calls get an EPIPE reply, queued sends are dropped,
 * its names are unbound, and every blocked sender and receiver wakes (and then
 * sees EPIPE). Lock held.
 */
function destroyPort(r: Region, slot: number): void {
  const w = r.w;
  const o = r.object(slot);
  const owner = w[o + L.O_OWNER]!;
  while (w[o + L.O_COUNT]! > 0) {
    const at = r.message(headSlot(r, o));
    const call = w[at + L.M_CALL]!;
    if (call !== 0 && w[at + L.M_WITHDRAWN] === 0) failCall(r, call - 1, owner, EPIPE);
    popHead(r, o);
  }
  freeRing(r, w[o + L.O_RING]!, w[o + L.O_CAPACITY]!);
  r.set(o + L.O_RING, -1);
  r.set(o + L.O_CAPACITY, 0);
  if (w[o + L.O_BINDINGS]! > 0) removeBindingsOf(r, slot);
  signal(w, o + L.O_READ_SEQ, o + L.O_READ_WAITERS, Infinity);
  signal(w, o + L.O_WRITE_SEQ, o + L.O_WRITE_WAITERS, Infinity);
}

registerDestroyer(L.OBJ_PORT, destroyPort);
