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
import { EAGAIN, EFAULT, EINVAL, ENOSPC, EPIPE } from '../kernel/errno.js';
import type { Region } from '../kernel/region.js';
import type { TaskContext } from '../kernel/context.js';
import { type MessageMemory, copyIn, copyOut, inBounds, readI32, writeI32 } from '../kernel/copy.js';
import { allocObject, registerDestroyer, addRef } from '../kernel/objects.js';
import { installHandle, lookupHandle, lookupTyped, objectOfEntry } from '../kernel/handles.js';
import { signal } from '../backend/futex.js';
import { reserveSlots, takeSlot, enqueue, dequeue, freeSlot } from './queue.js';
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
  const reserved = reserveSlots(r, capacity);
  if (reserved < 0) return abort(r, reserved);
  const slot = allocObject(r, L.OBJ_PORT, ctx.pid);
  if (slot < 0) return abort(r, slot);
  r.set(r.object(slot) + L.O_CAPACITY, capacity);
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
  const xferHandle = readI32(src, offset + L.MSG_FLAGS);
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_PORT, L.RIGHT_WRITE);
  if (e < 0) return abort(r, e);
  const slot = objectOfEntry(r, e);
  const o = r.object(slot);
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return abort(r, -EPIPE);
  let xe = 0;
  if (xferHandle !== 0) {
    xe = lookupHandle(r, ctx.slot, xferHandle, L.RIGHT_GRANT);
    if (xe < 0) return abort(r, xe);
  }
  if (w[o + L.O_COUNT]! >= w[o + L.O_CAPACITY]!) {
    const result = ctx.blockOn(o + L.O_WRITE_SEQ, o + L.O_WRITE_WAITERS, slot + 1, L.EVENT_WRITABLE);
    r.unlock();
    return result;
  }
  let cs = 0;
  let token = 0;
  if (asCall) {
    cs = allocCall(r, ctx.pid);
    if (cs < 0) return abort(r, cs);
    token = callToken(r, cs);
  }
  const m = takeSlot(r);
  const at = r.message(m);
  copyIn(w, r.bytes, at, src, offset);
  w[at + (L.MSG_SENDER >> 2)] = ctx.pid;
  w[at + (L.MSG_SENDER >> 2) + 1] = token;
  w[at + (L.MSG_FLAGS >> 2)] = 0;
  r.set(at + L.M_CALL, asCall ? cs + 1 : 0);
  if (xe !== 0) {
    const xferObject = objectOfEntry(r, xe);
    r.set(at + L.M_XFER_OBJECT, xferObject + 1);
    r.set(at + L.M_XFER_GEN, w[r.object(xferObject) + L.O_GEN]!);
    r.set(at + L.M_XFER_RIGHTS, w[xe + L.HD_RIGHTS]!);
    r.set(at + L.M_XFER_PARENT, xe + 1);
    r.set(at + L.M_XFER_PARENT_GEN, w[xe + L.HD_GEN]!);
    addRef(r, xferObject);
  } else {
    r.set(at + L.M_XFER_OBJECT, 0);
  }
  enqueue(r, o, m);
  if (asCall) {
    const c = r.call(cs);
    r.set(c + L.C_PORT, slot);
    r.set(c + L.C_MESSAGE, m);
    w[L.H_STAT_CALLS] = w[L.H_STAT_CALLS]! + 1;
  } else {
    w[L.H_STAT_SENDS] = w[L.H_STAT_SENDS]! + 1;
  }
  signal(w, o + L.O_READ_SEQ, o + L.O_READ_WAITERS, 1);
  r.unlock();
  return cs;
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
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_PORT, L.RIGHT_READ);
  if (e < 0) return abort(r, e);
  const slot = objectOfEntry(r, e);
  const o = r.object(slot);
  if (w[o + L.O_COUNT] === 0) {
    if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return abort(r, -EPIPE);
    if (!blocking) return abort(r, -EAGAIN);
    const result = ctx.blockOn(o + L.O_READ_SEQ, o + L.O_READ_WAITERS, slot + 1, L.EVENT_READABLE);
    r.unlock();
    return result;
  }
  const m = w[o + L.O_HEAD]!;
  const at = r.message(m);
  let installed = 0;
  const xfer = w[at + L.M_XFER_OBJECT]!;
  if (xfer !== 0) {
    // Fail before dequeue: the message stays queued if the handle cannot land.
    const parent = w[at + L.M_XFER_PARENT]! - 1;
    const parentLive = w[parent + L.HD_OBJECT] === xfer && w[parent + L.HD_GEN] === w[at + L.M_XFER_PARENT_GEN];
    installed = installHandle(r, ctx.slot, xfer - 1, w[at + L.M_XFER_RIGHTS]!, parentLive ? parent : 0);
    if (installed < 0) return abort(r, installed);
  }
  dequeue(r, o);
  copyOut(w, r.bytes, at, dst, offset);
  if (installed !== 0) writeI32(dst, offset + L.MSG_FLAGS, installed);
  const call = w[at + L.M_CALL]!;
  if (call !== 0) {
    const c = r.call(call - 1);
    r.set(c + L.C_SERVER, ctx.pid);
    r.set(c + L.C_MESSAGE, -1);
    r.set(c + L.C_STATE, L.CALL_RECEIVED);
  }
  freeSlot(r, m);
  w[L.H_STAT_RECEIVES] = w[L.H_STAT_RECEIVES]! + 1;
  signal(w, o + L.O_WRITE_SEQ, o + L.O_WRITE_WAITERS, 1);
  r.unlock();
  return 0;
}

/**
 * Ready events of a port for a handle entry with `rights`: READABLE when
 * non-empty and the handle can read, WRITABLE when there is room and it can
 * write. A destroyed port reports -EPIPE. When none is ready, records the
 * wait on the word of the event the handle could see and returns 0. Lock held.
 */
export function portEvents(ctx: TaskContext, slot: number, rights: number): number {
  const r = ctx.r;
  const o = r.object(slot);
  const w = r.w;
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return -EPIPE;
  let events = 0;
  if (rights & L.RIGHT_READ && w[o + L.O_COUNT]! > 0) events |= L.EVENT_READABLE;
  if (rights & L.RIGHT_WRITE && w[o + L.O_COUNT]! < w[o + L.O_CAPACITY]!) events |= L.EVENT_WRITABLE;
  if (events === 0) {
    if (rights & L.RIGHT_READ) ctx.blockOn(o + L.O_READ_SEQ, o + L.O_READ_WAITERS, slot + 1, L.EVENT_READABLE);
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
    const m = dequeue(r, o);
    const call = w[r.message(m) + L.M_CALL]!;
    if (call !== 0) failCall(r, call - 1, owner, EPIPE);
    freeSlot(r, m);
  }
  r.set(L.H_MESSAGES_RESERVED, w[L.H_MESSAGES_RESERVED]! - w[o + L.O_CAPACITY]!);
  r.set(o + L.O_CAPACITY, 0);
  if (w[o + L.O_BINDINGS]! > 0) removeBindingsOf(r, slot);
  signal(w, o + L.O_READ_SEQ, o + L.O_READ_WAITERS, Infinity);
  signal(w, o + L.O_WRITE_SEQ, o + L.O_WRITE_WAITERS, Infinity);
}

registerDestroyer(L.OBJ_PORT, destroyPort);
