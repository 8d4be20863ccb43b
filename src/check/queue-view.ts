/**
 * How the checker reads a queue (queue.ts): its ring indices, which ring
 * positions hold queued entries, whether an operation is in progress on it,
 * and whether a waiter of an event has something to wake for.
 */
import * as L from '../core/layout.js';
import { isUnreaped, type CheckContext } from './context.js';

/** Ring positions from `from` forward to `to` in a ring of `size` positions. */
export function ringDistance(from: number, to: number, size: number): number {
  const d = (to - from) % size;
  return d < 0 ? d + size : d;
}

/** Entries queue record `o` holds, from its head and tail (capacity + 1 ring positions). */
export function depthOf(w: Int32Array, o: number): number {
  return ringDistance(w[o + L.O_HEAD]!, w[o + L.O_TAIL]!, w[o + L.O_CAPACITY]! + 1);
}

/** Whether ring position `index` of queue record `o` holds a queued entry (from the head, before the tail). */
export function isQueuedIndex(w: Int32Array, o: number, index: number): boolean {
  const size = w[o + L.O_CAPACITY]! + 1;
  return ringDistance(w[o + L.O_HEAD]!, index, size) < ringDistance(w[o + L.O_HEAD]!, w[o + L.O_TAIL]!, size);
}

/**
 * Whether a task not yet reaped holds either queue lock of record `o`: an
 * operation is under way (or was, in a task that died there and whose lock
 * the supervisor has yet to take over and repair), so the queue's indices
 * and slots may be half-updated; they are then not checked. Locks held by
 * anyone else are the queue section's concern.
 */
export function queueBusy(ctx: CheckContext, o: number): boolean {
  for (const which of [L.O_SEND_LOCK, L.O_RECV_LOCK]) {
    const holder = Atomics.load(ctx.w, o + which) & L.QUEUE_LOCK_TAG_MASK;
    if (holder !== 0 && holder !== ctx.r.lockTag && holder <= ctx.r.maxTasks && isUnreaped(ctx.w[ctx.r.task(holder - 1) + L.T_STATE]!)) return true;
  }
  return false;
}

/**
 * Whether a task parked on queue record `o` for `event` has a reason to
 * look again now: destroyed; for READABLE, an entry queued, or (channel) no
 * sender left, or (ring) shut down; for WRITABLE, room for one more, or
 * (channel) no receiver left, or (ring) shut down.
 */
export function queueEventReady(w: Int32Array, o: number, event: number): boolean {
  const flags = w[o + L.O_FLAGS]!;
  if (flags & L.OBJECT_FLAG_DESTROYED) return true;
  const type = w[o + L.O_TYPE];
  if (type === L.OBJ_RING && flags & L.OBJECT_FLAG_RING_SHUT) return true;
  const depth = depthOf(w, o);
  if (event === L.EVENT_READABLE) return depth > 0 || (type === L.OBJ_CHANNEL && w[o + L.O_WRITERS] === 0);
  return depth < w[o + L.O_CAPACITY]! || (type === L.OBJ_CHANNEL && w[o + L.O_READERS] === 0);
}
