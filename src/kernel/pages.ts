/**
 * The page pool: 4 KiB pages at the end of the region, for shared rings and
 * channel storage. An object takes a run of consecutive pages when it is
 * created and gives them back when it is destroyed. Kernel lock held.
 */
import * as L from './layout.js';
import { ENOMEM } from './errno.js';
import type { Region } from './region.js';
import { findFreeRun, markRun } from './bitmap.js';

/**
 * Takes `count` (>= 1) consecutive pages, zeroed unless `zeroed` is false
 * (for a caller that overwrites them whole); returns the first, or -ENOMEM.
 */
export function allocPages(r: Region, count: number, zeroed = true): number {
  const first = findFreeRun(r, r.pageBitmap, r.pageCount, count);
  if (first < 0) return -ENOMEM;
  markRun(r, r.pageBitmap, first, count, true);
  r.add(L.H_PAGES_USED, count);
  // Free pages are nobody's: clearing them needs no undo.
  if (zeroed) r.w.fill(0, r.page(first), r.page(first + count));
  return first;
}

/** Returns `count` pages from `first` to the pool. */
export function freePages(r: Region, first: number, count: number): void {
  markRun(r, r.pageBitmap, first, count, false);
  r.add(L.H_PAGES_USED, -count);
}

/** How many pages hold `bytes` bytes. */
export function pagesFor(bytes: number): number {
  return Math.ceil(bytes / L.PAGE_BYTES);
}
