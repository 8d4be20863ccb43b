/**
 * Ports (Strat9's `ipc/port`): a bounded FIFO of 64-byte IpcMessages owned by
 * one task. Senders block while it is full, receivers while it is empty. A
 * port is destroyed when its owner closes its last handle that can receive
 * from it, or dies;
 * blocked senders and receivers then wake with EPIPE, queued calls get an
 * EPIPE reply and queued plain sends are dropped.
 *
 * This file creates, watches and destroys ports; sending is in
 * send.ts, receiving in receive.ts. The queue is the two-lock ring
 * of core/queue.ts. Every op either completes, fails with nothing changed, or
 * returns WOULD_BLOCK with the wait recorded in the task context; the
 * blocking loop lives in ops/blocking.ts, the blocking ops in ops/object-ops.ts.
 */
import * as L from '../../core/layout.js';
import { EINVAL, EPIPE } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { wakeObjectWaiters } from '../../core/object-table.js';
import { createObject } from '../create.js';
import { dropTransfer } from '../../core/handles.js';
import { allocRing, freeRing, lockQueue, nextIndex, resetQueue, slotAt, unlockQueue, clearQueueIndices } from '../../core/queue.js';
import { failCall } from './call.js';
import { removeBindingsOf } from '../namespace/namespace.js';

/** Queue capacity of a port created through the ABI (Strat9's PORT_QUEUE_CAPACITY). */
export const DEFAULT_PORT_CAPACITY = 16;
/** Largest queue a port may be created with through the typed API. */
export const MAX_PORT_CAPACITY = 65536;

/**
 * Creates a port owned by the caller with a queue of `capacity` messages and
 * returns a handle with every right.
 * Errors: EINVAL capacity outside 1..MAX_PORT_CAPACITY; ENOMEM no object or
 * message slots left; ENOSPC the caller's handle table is full; EDQUOT the
 * caller's handles, objects or message slots quota (capacity + 1) is spent.
 */
export function createPort(ctx: TaskContext, capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_PORT_CAPACITY) return -EINVAL;
  return createObject(ctx, L.OBJ_PORT, (r, o) => {
    r.set(o + L.O_CAPACITY, capacity);
    const ring = allocRing(r, o, capacity);
    if (ring < 0) return ring;
    r.set(o + L.O_RING, ring);
    resetQueue(r, o);
    return 0;
  });
}

/**
 * Destroys a port: takes both queue locks (waiting for a send or receive in
 * progress), drains the queue (calls get an EPIPE reply, plain sends are
 * dropped, handles in flight released), frees the ring, unbinds its names and
 * wakes every blocked sender and receiver, who then see EPIPE. Kernel lock
 * held; every store is logged, so a destroyer killed half-way is undone.
 */
export function destroyPort(r: Region, slot: number): void {
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
  clearQueueIndices(r, o);
  r.set(o + L.O_RING, -1);
  if (w[o + L.O_BINDINGS]! > 0) removeBindingsOf(r, slot);
  unlockQueue(r, o, L.O_RECV_LOCK);
  unlockQueue(r, o, L.O_SEND_LOCK);
  wakeObjectWaiters(r, o);
}

