/**
 * A bounded FIFO of 64-byte messages: the storage of a port (and later of a
 * channel). Each queue owns a ring of `capacity` consecutive message slots,
 * taken from the kernel's pool when the queue is created (a bitmap, first
 * fit) and returned when it is destroyed, so an enqueue on a queue that is
 * not full never fails and costs one copy and one logged store.
 *
 * Writes into the slot at the tail need no undo log: the slot is unused
 * until the logged count publishes it.
 */
import * as L from '../kernel/layout.js';
import { ENOMEM } from '../kernel/errno.js';
import type { Region } from '../kernel/region.js';
import { dropTransfer } from '../kernel/handles.js';

/**
 * Takes `capacity` consecutive free message slots for a queue ring and
 * returns the first, or -ENOMEM when no run is long enough. Lock held.
 */
export function allocRing(r: Region, capacity: number): number {
  const w = r.w;
  let runStart = 0;
  for (let i = 0; i < r.messageSlots; i++) {
    if (w[r.messageBitmap + (i >>> 5)]! & (1 << (i & 31))) {
      runStart = i + 1;
    } else if (i - runStart + 1 === capacity) {
      markSlots(r, runStart, capacity, true);
      r.add(L.H_MESSAGES_RESERVED, capacity);
      return runStart;
    }
  }
  return -ENOMEM;
}

/** Returns a ring's slots to the pool. Lock held. */
export function freeRing(r: Region, first: number, capacity: number): void {
  markSlots(r, first, capacity, false);
  r.add(L.H_MESSAGES_RESERVED, -capacity);
}

function markSlots(r: Region, first: number, count: number, used: boolean): void {
  const w = r.w;
  for (let i = first; i < first + count; ) {
    const word = r.messageBitmap + (i >>> 5);
    const bits = Math.min(32 - (i & 31), first + count - i);
    const mask = bits === 32 ? -1 : ((1 << bits) - 1) << (i & 31);
    r.set(word, used ? w[word]! | mask : w[word]! & ~mask);
    i += bits;
  }
}

/** The message slot that the next enqueue on non-full queue `o` writes. */
export function tailSlot(r: Region, o: number): number {
  const w = r.w;
  const capacity = w[o + L.O_CAPACITY]!;
  let index = w[o + L.O_HEAD]! + w[o + L.O_COUNT]!;
  if (index >= capacity) index -= capacity;
  return w[o + L.O_RING]! + index;
}

/** Publishes the slot written at the tail. Lock held. */
export function pushTail(r: Region, o: number): void {
  r.set(o + L.O_COUNT, r.w[o + L.O_COUNT]! + 1);
}

/** The message slot at the head of non-empty queue `o`. */
export function headSlot(r: Region, o: number): number {
  return r.w[o + L.O_RING]! + r.w[o + L.O_HEAD]!;
}

/**
 * Removes the head message of non-empty queue `o`, dropping any handle still
 * in flight in it. Lock held.
 */
export function popHead(r: Region, o: number): void {
  const w = r.w;
  dropTransfer(r, r.message(headSlot(r, o)));
  const head = w[o + L.O_HEAD]! + 1;
  r.set(o + L.O_HEAD, head === w[o + L.O_CAPACITY] ? 0 : head);
  r.set(o + L.O_COUNT, w[o + L.O_COUNT]! - 1);
}
