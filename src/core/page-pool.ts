/**
 * The page pool: 4 KiB pages at the end of the region, for shared rings and
 * channel storage. An object takes a run of consecutive pages when it is
 * created and gives them back when it is destroyed. Kernel lock held.
 */
import * as L from './layout.js';
import { ENOMEM } from './errno.js';
import type { Region } from './region.js';
import { findFreeRun, markRun } from './bitmap.js';
import { chargeCreator, creditCreator } from './quota.js';

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

/**
 * Gives object record `o` (a channel, ring, mailbox or buffer) `count`
 * consecutive pages as its storage (O_RING, O_PAGES), charged to its
 * creator's pages quota; zeroed unless `zeroed` is false (the caller then
 * overwrites them all before anyone else can see them). Returns the first
 * page, -ENOMEM, or -EDQUOT with the pages still free (the caller fails
 * the critical section).
 */
export function allocObjectPages(r: Region, o: number, count: number, zeroed = true): number {
  const first = allocPages(r, count, zeroed);
  if (first < 0) return first;
  const refused = chargeCreator(r, o, L.QUOTA_PAGES, count);
  if (refused < 0) return refused;
  r.set(o + L.O_RING, first);
  r.set(o + L.O_PAGES, count);
  return first;
}

/** Returns the storage of object record `o` to the pool and credits its creator. O_RING is left to the caller. */
export function freeObjectPages(r: Region, o: number): void {
  freePages(r, r.w[o + L.O_RING]!, r.w[o + L.O_PAGES]!);
  creditCreator(r, o, L.QUOTA_PAGES, r.w[o + L.O_PAGES]!);
}

/** How many pages hold `bytes` bytes. */
export function pagesFor(bytes: number): number {
  return Math.ceil(bytes / L.PAGE_BYTES);
}
