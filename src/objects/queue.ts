/**
 * A bounded FIFO of message slots, the storage of a port (and of a channel).
 *
 * Slots come from one kernel-wide pool. A queue reserves its capacity when it
 * is created, so an enqueue into a queue that is not full always finds a
 * slot. Queued messages are linked through M_NEXT from O_HEAD to O_TAIL.
 */
import * as L from '../kernel/layout.js';
import { ENOMEM } from '../kernel/errno.js';
import type { Region } from '../kernel/region.js';
import { dropTransfer } from '../kernel/handles.js';

/** Promises `capacity` slots to a new queue. Lock held. 0 or -ENOMEM. */
export function reserveSlots(r: Region, capacity: number): number {
  const reserved = r.w[L.H_MESSAGES_RESERVED]!;
  if (reserved + capacity > r.messageSlots) return -ENOMEM;
  r.set(L.H_MESSAGES_RESERVED, reserved + capacity);
  return 0;
}

/** Takes a slot from the pool; the caller has a reservation, so one exists. Lock held. */
export function takeSlot(r: Region): number {
  const m = r.w[L.H_MESSAGE_FREE]!;
  r.set(L.H_MESSAGE_FREE, r.w[r.message(m) + L.M_NEXT]!);
  return m;
}

/** Returns a slot to the pool, dropping the reference of a handle in flight in it. Lock held. */
export function freeSlot(r: Region, m: number): void {
  const at = r.message(m);
  dropTransfer(r, at);
  r.set(at + L.M_NEXT, r.w[L.H_MESSAGE_FREE]!);
  r.set(L.H_MESSAGE_FREE, m);
}

/** Links slot `m` at the tail of the queue of object `o` (a record index). Lock held. */
export function enqueue(r: Region, o: number, m: number): void {
  const w = r.w;
  r.set(r.message(m) + L.M_NEXT, -1);
  const tail = w[o + L.O_TAIL]!;
  if (tail < 0) r.set(o + L.O_HEAD, m);
  else r.set(r.message(tail) + L.M_NEXT, m);
  r.set(o + L.O_TAIL, m);
  r.set(o + L.O_COUNT, w[o + L.O_COUNT]! + 1);
}

/** Unlinks and returns the head slot of a non-empty queue. Lock held. */
export function dequeue(r: Region, o: number): number {
  const w = r.w;
  const m = w[o + L.O_HEAD]!;
  const next = w[r.message(m) + L.M_NEXT]!;
  r.set(o + L.O_HEAD, next);
  if (next < 0) r.set(o + L.O_TAIL, -1);
  r.set(o + L.O_COUNT, w[o + L.O_COUNT]! - 1);
  return m;
}

/** Unlinks slot `m` from wherever it is in the queue. Lock held. True if it was there. */
export function unlink(r: Region, o: number, m: number): boolean {
  const w = r.w;
  let prev = -1;
  for (let cur = w[o + L.O_HEAD]!, n = 0; cur >= 0 && n <= r.messageSlots; cur = w[r.message(cur) + L.M_NEXT]!, n++) {
    if (cur !== m) {
      prev = cur;
      continue;
    }
    const next = w[r.message(cur) + L.M_NEXT]!;
    if (prev < 0) r.set(o + L.O_HEAD, next);
    else r.set(r.message(prev) + L.M_NEXT, next);
    if (w[o + L.O_TAIL] === m) r.set(o + L.O_TAIL, prev);
    r.set(o + L.O_COUNT, w[o + L.O_COUNT]! - 1);
    return true;
  }
  return false;
}
