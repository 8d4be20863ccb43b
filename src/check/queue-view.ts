/**
 * How the checker reads a queue (queue.ts): its ring indices, which ring
 * positions hold queued entries, and whether a waiter of an event has something to wake for.
 */
import * as L from '../core/layout.js';
import { objectTypeOf } from '../objects/registry.js';

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
 * Whether a task parked on queue record `o` for `event` has a reason to
 * look again now: destroyed, or (ring) shut down; for READABLE, an entry
 * queued, or no sender left (a type that counts its ends: a channel); for
 * WRITABLE, room for one more, or no receiver left.
 */
export function queueEventReady(w: Int32Array, o: number, event: number): boolean {
  const flags = w[o + L.O_FLAGS]!;
  if (flags & L.OBJECT_FLAG_DESTROYED) return true;
  if (flags & L.OBJECT_FLAG_RING_SHUT) return true;
  const countsEnds = objectTypeOf(w[o + L.O_TYPE]!)?.countsEnds === true;
  const depth = depthOf(w, o);
  if (event === L.EVENT_READABLE) return depth > 0 || (countsEnds && w[o + L.O_WRITERS] === 0);
  return depth < w[o + L.O_CAPACITY]! || (countsEnds && w[o + L.O_READERS] === 0);
}
