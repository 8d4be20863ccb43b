/**
 * Allocation bitmaps in the kernel region (message slots, pages): one bit
 * per unit, set while in use. Runs of consecutive units are taken first fit.
 * Stores are logged (kernel lock held).
 */
import type { Region } from './region.js';

/** The first unit of a free run of `size` units among `total`, or -1 when no run is long enough. */
export function findFreeRun(r: Region, bitmap: number, total: number, size: number): number {
  const w = r.w;
  let runStart = 0;
  for (let i = 0; i < total; i++) {
    if (w[bitmap + (i >>> 5)]! & (1 << (i & 31))) {
      runStart = i + 1;
    } else if (i - runStart + 1 === size) {
      return runStart;
    }
  }
  return -1;
}

/** Marks units [first, first + count) used or free (count >= 1): the words they touch are logged as one run. */
export function markRun(r: Region, bitmap: number, first: number, count: number, used: boolean): void {
  const w = r.w;
  const firstWord = bitmap + (first >>> 5);
  r.saveRange(firstWord, ((first + count - 1) >>> 5) - (first >>> 5) + 1);
  for (let i = first; i < first + count; ) {
    const word = bitmap + (i >>> 5);
    const bits = Math.min(32 - (i & 31), first + count - i);
    const mask = bits === 32 ? -1 : ((1 << bits) - 1) << (i & 31);
    w[word] = used ? w[word]! | mask : w[word]! & ~mask;
    i += bits;
  }
}
