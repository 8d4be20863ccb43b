/**
 * Task page spaces and frames (page IPC, SPEC section 5). A page space maps
 * a task's virtual pages (addresses are byte offsets, multiples of
 * PAGE_BYTES, below pageSpace × PAGE_BYTES) to frames of the kernel's page
 * pool with read or read/write rights. A frame counts the mappings and
 * in-flight deliveries holding it, and goes back to the pool with the last.
 *
 * Only a task's own thread changes its page space, except the supervisor
 * reaping it; every change is made under the kernel lock and logged, so a
 * task killed mid-change leaves it as it was. A send carries up to 256
 * pages, so the functions here work on runs: a run of entries or of holder
 * counts is logged once ({@link Region.saveRange}) and then changed with
 * plain stores, and a run of frames that follow each other in the pool
 * (what an allocation gives, and what moves and shares keep) is counted and
 * freed as one.
 *
 * Page entries and delivery frame lists are both "frame words": frame + 1
 * in the low bits (PAGE_ENTRY_FRAME_MASK); the bits above are rights, which
 * {@link frameOf} ignores.
 */
import * as L from './layout.js';
import { EFAULT, EINVAL, ENOMEM } from './errno.js';
import type { Region } from './region.js';
import { allocPages, freePages } from './pages.js';

/** The virtual page of byte address `addr`, or -EINVAL (not page-aligned or negative) / -EFAULT (past the page space). */
export function vpnOf(r: Region, addr: number): number {
  if (!Number.isInteger(addr) || addr < 0 || addr % L.PAGE_BYTES !== 0) return -EINVAL;
  const vpn = addr / L.PAGE_BYTES;
  return vpn < r.pageSpace ? vpn : -EFAULT;
}

/** The entry of virtual page `vpn` of task `slot`: 0, or frame + 1 with PAGE_READ / PAGE_WRITE. */
export function pageEntryOf(r: Region, slot: number, vpn: number): number {
  return r.w[r.pageEntry(slot, vpn)]!;
}

/** The frame a frame word (a page entry, a delivery's frame) names. */
export function frameOf(word: number): number {
  return (word & L.PAGE_ENTRY_FRAME_MASK) - 1;
}

/**
 * The first frame of the `count` frame words at word `at` of the region
 * when their frames follow each other in the pool, else -1.
 */
export function consecutiveFrames(r: Region, at: number, count: number): number {
  const w = r.w;
  const first = frameOf(w[at]!);
  for (let i = 1; i < count; i++) if (frameOf(w[at + i]!) !== first + i) return -1;
  return first;
}

/**
 * Whether task `slot` maps every page of [vpn, vpn + npages) with all of
 * `rights` (the range lies inside the page space).
 */
export function holdsRange(r: Region, slot: number, vpn: number, npages: number, rights: number): boolean {
  if (vpn + npages > r.pageSpace) return false;
  const w = r.w;
  const base = r.pageEntry(slot, vpn);
  for (let i = 0; i < npages; i++) {
    const entry = w[base + i]!;
    if (entry === 0 || (entry & rights) !== rights) return false;
  }
  return true;
}

/**
 * The first virtual page of a run of `npages` unmapped pages in task
 * `slot`'s space (the lowest), or -ENOMEM. Each candidate is checked from
 * its end, so a mapped page found there skips the candidates that hold it.
 */
export function findFreeRange(r: Region, slot: number, npages: number): number {
  const w = r.w;
  const base = r.pageEntry(slot, 0);
  let start = 0;
  while (start + npages <= r.pageSpace) {
    let vpn = start + npages - 1;
    while (vpn >= start && w[base + vpn] === 0) vpn--;
    if (vpn < start) return start;
    start = vpn + 1;
  }
  return -ENOMEM;
}

/** Adds one holder to `frame`. Kernel lock held. */
export function holdFrame(r: Region, frame: number): void {
  r.add(r.frameRefs + frame, 1);
}

/** Drops one holder of `frame`; the last one returns it to the pool. Kernel lock held. */
export function dropFrame(r: Region, frame: number): void {
  if (r.add(r.frameRefs + frame, -1) === 0) freePages(r, frame, 1);
}

/** Adds one holder to each frame of the `count` frame words at word `at`. Kernel lock held. */
export function holdFrames(r: Region, at: number, count: number): void {
  const first = consecutiveFrames(r, at, count);
  if (first < 0) {
    for (let i = 0; i < count; i++) holdFrame(r, frameOf(r.w[at + i]!));
    return;
  }
  const w = r.w;
  const refs = r.frameRefs + first;
  r.saveRange(refs, count);
  for (let i = 0; i < count; i++) w[refs + i]!++;
}

/**
 * Drops one holder of each frame of the `count` frame words at word `at`;
 * frames left without one go back to the pool (a run of them at once).
 * Kernel lock held.
 */
export function dropFrames(r: Region, at: number, count: number): void {
  const first = consecutiveFrames(r, at, count);
  if (first < 0) {
    for (let i = 0; i < count; i++) dropFrame(r, frameOf(r.w[at + i]!));
    return;
  }
  const w = r.w;
  const refs = r.frameRefs + first;
  r.saveRange(refs, count);
  // The frames left without a holder, freed a run at a time: [unheld, i).
  let unheld = -1;
  for (let i = 0; i <= count; i++) {
    const stillHeld = i === count || --w[refs + i]! !== 0;
    if (!stillHeld && unheld < 0) unheld = i;
    if (stillHeld && unheld >= 0) {
      freePages(r, first + unheld, i - unheld);
      unheld = -1;
    }
  }
}

/**
 * Takes `npages` consecutive frames, each with one holder: the first, or
 * -ENOMEM. Zeroed unless `zeroed` is false (the caller overwrites them
 * whole before anyone can see them). Kernel lock held.
 */
export function allocFrames(r: Region, npages: number, zeroed = true): number {
  const first = allocPages(r, npages, zeroed);
  if (first < 0) return first;
  // Free frames have no holders.
  r.saveFill(r.frameRefs + first, npages, 0);
  r.w.fill(1, r.frameRefs + first, r.frameRefs + first + npages);
  return first;
}

/**
 * Maps the frames of the `npages` frame words at word `at` (a delivery's)
 * at [vpn, vpn + npages) of task `slot` with `rights`, taking over one
 * holder of each frame. The range is unmapped. Kernel lock held.
 */
export function mapFrames(r: Region, slot: number, vpn: number, at: number, npages: number, rights: number): void {
  const w = r.w;
  const base = r.pageEntry(slot, vpn);
  r.saveFill(base, npages, 0);
  for (let i = 0; i < npages; i++) w[base + i] = (w[at + i]! & L.PAGE_ENTRY_FRAME_MASK) | rights;
  r.add(r.task(slot) + L.T_PAGES_MAPPED, npages);
}

/** Maps `npages` consecutive frames from `first` at `vpn` of task `slot` (see {@link mapFrames}). */
export function mapRun(r: Region, slot: number, vpn: number, first: number, npages: number, rights: number): void {
  const w = r.w;
  const base = r.pageEntry(slot, vpn);
  r.saveFill(base, npages, 0);
  for (let i = 0; i < npages; i++) w[base + i] = (first + i + 1) | rights;
  r.add(r.task(slot) + L.T_PAGES_MAPPED, npages);
}

/**
 * Unmaps the mapped range [vpn, vpn + npages) of task `slot`. Each frame's
 * holder is dropped, unless `keepHolds` (a move hands the holds on to a
 * delivery). Kernel lock held.
 */
export function unmapRange(r: Region, slot: number, vpn: number, npages: number, keepHolds = false): void {
  const base = r.pageEntry(slot, vpn);
  if (!keepHolds) dropFrames(r, base, npages);
  r.saveRange(base, npages);
  r.w.fill(0, base, base + npages);
  r.add(r.task(slot) + L.T_PAGES_MAPPED, -npages);
}

/** Unmaps every page of task `slot` (it is being reaped), a run of mapped pages at a time. Kernel lock held. */
export function unmapAll(r: Region, slot: number): void {
  if (r.w[r.task(slot) + L.T_PAGES_MAPPED] === 0) return;
  let run = 0;
  for (let vpn = 0; vpn <= r.pageSpace; vpn++) {
    if (vpn < r.pageSpace && pageEntryOf(r, slot, vpn) !== 0) {
      run++;
    } else if (run > 0) {
      unmapRange(r, slot, vpn - run, run);
      run = 0;
    }
  }
}

/**
 * The byte offset in the kernel buffer of [vpn, vpn + npages) of task
 * `slot` when those pages map consecutive frames (one view can cover them),
 * else -1. The range must be mapped.
 */
export function contiguousOffset(r: Region, slot: number, vpn: number, npages: number): number {
  const first = consecutiveFrames(r, r.pageEntry(slot, vpn), npages);
  return first < 0 ? -1 : r.page(first) * 4;
}
