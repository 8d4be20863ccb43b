/**
 * Ports (Strat9's `ipc/port`): a bounded FIFO of 64-byte IpcMessages owned by
 * one task. Senders block while it is full, receivers while it is empty. A
 * port is destroyed when its owner closes its last handle that can receive
 * from it, or dies;
 * blocked senders and receivers then wake with EPIPE, queued calls get an
 * EPIPE reply and queued plain sends are dropped.
 *
 * This file creates, watches and destroys ports; sending is in
 * port-send.ts, receiving in port-receive.ts. The queue is the two-lock ring
 * of queue.ts. Every op either completes, fails with nothing changed, or
 * returns WOULD_BLOCK with the wait recorded in the task context; the
 * blocking loops live in kernel/ops.ts.
 */
import * as L from '../kernel/layout.js';
import { EBADF, EINVAL, ENOSPC, EPIPE } from '../kernel/errno.js';
import type { Region } from '../kernel/region.js';
import type { TaskContext } from '../kernel/context.js';
import { allocObject, registerDestroyer, wakeObjectWaiters } from '../kernel/objects.js';
import { dropTransfer, installHandle, lookupTyped } from '../kernel/handles.js';
import { allocRing, freeRing, lockQueue, nextIndex, queueDepth, slotAt, unlockQueue } from './queue.js';
import { failCall } from './call.js';
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
  if (r.w[r.task(ctx.slot) + L.T_HANDLE_COUNT]! >= r.maxHandles) return r.fail(-ENOSPC);
  const slot = allocObject(r, L.OBJ_PORT, ctx.pid);
  if (slot < 0) return r.fail(slot);
  const o = r.object(slot);
  r.set(o + L.O_CAPACITY, capacity);
  const ring = allocRing(r, capacity);
  if (ring < 0) return r.fail(ring);
  r.set(o + L.O_RING, ring);
  for (const word of [L.O_HEAD, L.O_TAIL, L.O_CACHED_HEAD, L.O_CACHED_TAIL, L.O_SEND_LOCK, L.O_RECV_LOCK]) r.set(o + word, 0);
  return r.unlockWith(installHandle(r, ctx.slot, slot, L.RIGHTS_ALL, 0));
}

/**
 * The port record handle `h` names, with queue lock `which` (O_SEND_LOCK or
 * O_RECV_LOCK) held, when the handle has `right`; else -errno with nothing
 * locked. The handle is checked again once the lock is held, so a revoke or
 * destroy in between is seen. Senders also get -EPIPE for a destroyed port
 * (receivers find out once it is empty). No kernel lock needed.
 */
export function lockPortQueue(ctx: TaskContext, h: number, right: number, which: number): number {
  const r = ctx.r;
  const w = r.w;
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_PORT, right);
  if (e < 0) return e;
  const objectPlusOne = w[e + L.HD_OBJECT]!;
  const o = r.object(objectPlusOne - 1);
  const gen = w[e + L.HD_OBJECT_GEN]!;
  const handleGen = w[e + L.HD_GEN]!;
  lockQueue(r, o, which);
  let result = o;
  if (w[e + L.HD_OBJECT] !== objectPlusOne || w[e + L.HD_GEN] !== handleGen || w[o + L.O_GEN] !== gen) result = -EBADF;
  else if (which === L.O_SEND_LOCK && w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) result = -EPIPE;
  if (result < 0) unlockQueue(r, o, which);
  return result;
}

/**
 * Ready events of a port among `interest`, for a handle entry with
 * `rights`: READABLE when non-empty and the handle can read, WRITABLE when
 * there is room and it can write. A destroyed port reports -EPIPE. When none
 * is ready, records the wait (on the tail for readable, the head for
 * writable) and returns 0; a handle that can see neither waits for
 * destruction. Kernel lock held.
 */
export function portEvents(ctx: TaskContext, slot: number, rights: number, interest: number): number {
  const r = ctx.r;
  const o = r.object(slot);
  const w = r.w;
  const readSeq = Atomics.load(w, o + L.O_READ_SEQ);
  const writeSeq = Atomics.load(w, o + L.O_WRITE_SEQ);
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return -EPIPE;
  const depth = queueDepth(r, o);
  const canRead = (rights & L.RIGHT_READ) !== 0 && (interest & L.EVENT_READABLE) !== 0;
  const canWrite = (rights & L.RIGHT_WRITE) !== 0 && (interest & L.EVENT_WRITABLE) !== 0;
  let events = 0;
  if (canRead && depth > 0) events |= L.EVENT_READABLE;
  if (canWrite && depth < w[o + L.O_CAPACITY]!) events |= L.EVENT_WRITABLE;
  if (events !== 0) return events;
  if (canRead || !canWrite) ctx.blockOnQueue(o, L.EVENT_READABLE, readSeq, Atomics.load(w, o + L.O_TAIL));
  else ctx.blockOnQueue(o, L.EVENT_WRITABLE, writeSeq, Atomics.load(w, o + L.O_HEAD));
  return 0;
}

/**
 * Destroys a port: takes both queue locks (waiting for a send or receive in
 * progress), drains the queue (calls get an EPIPE reply, plain sends are
 * dropped, handles in flight released), frees the ring, unbinds its names and
 * wakes every blocked sender and receiver, who then see EPIPE. Kernel lock
 * held; every store is logged, so a destroyer killed half-way is undone.
 */
function destroyPort(r: Region, slot: number): void {
  const w = r.w;
  const o = r.object(slot);
  const owner = w[o + L.O_OWNER]!;
  lockQueue(r, o, L.O_SEND_LOCK);
  lockQueue(r, o, L.O_RECV_LOCK);
  const tail = w[o + L.O_TAIL]!;
  for (let head = w[o + L.O_HEAD]!; head !== tail; head = nextIndex(r, o, head)) {
    const at = slotAt(r, o, head);
    const call = w[at + L.M_CALL]!;
    if (call !== 0) failCall(r, call - 1, owner, EPIPE);
    dropTransfer(r, at);
  }
  freeRing(r, o);
  for (const word of [L.O_HEAD, L.O_TAIL, L.O_CACHED_HEAD, L.O_CACHED_TAIL]) r.set(o + word, 0);
  r.set(o + L.O_RING, -1);
  if (w[o + L.O_BINDINGS]! > 0) removeBindingsOf(r, slot);
  unlockQueue(r, o, L.O_RECV_LOCK);
  unlockQueue(r, o, L.O_SEND_LOCK);
  wakeObjectWaiters(w, o);
}

registerDestroyer(L.OBJ_PORT, destroyPort);
