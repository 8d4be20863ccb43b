/**
 * Task page spaces and frames (page IPC, SPEC section 5). A page space maps
 * a task's virtual pages (addresses are byte offsets, multiples of
 * PAGE_BYTES, below pageSpace × PAGE_BYTES) to frames of the kernel's page
 * pool with read or read/write rights. A frame counts the mappings and
 * in-flight deliveries holding it, and goes back to the pool with the last.
 *
 * Only a task's own thread changes its page space, except the supervisor
 * reaping it; every change is made under the kernel lock with logged
 * stores, so a task killed mid-change leaves it as it was.
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

/** The frame an entry maps. */
export function frameOf(entry: number): number {
  return (entry & L.PAGE_ENTRY_FRAME_MASK) - 1;
}

/**
 * Whether task `slot` maps every page of [vpn, vpn + npages) with all of
 * `rights` (the range lies inside the page space).
 */
export function holdsRange(r: Region, slot: number, vpn: number, npages: number, rights: number): boolean {
  if (vpn + npages > r.pageSpace) return false;
  for (let i = 0; i < npages; i++) {
    const entry = pageEntryOf(r, slot, vpn + i);
    if (entry === 0 || (entry & rights) !== rights) return false;
  }
  return true;
}

/** The first virtual page of a run of `npages` unmapped pages in task `slot`'s space, or -ENOMEM. */
export function findFreeRange(r: Region, slot: number, npages: number): number {
  let run = 0;
  for (let vpn = 0; vpn < r.pageSpace; vpn++) {
    run = pageEntryOf(r, slot, vpn) === 0 ? run + 1 : 0;
    if (run === npages) return vpn - npages + 1;
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

/**
 * Takes `npages` consecutive frames, each with one holder: the first, or
 * -ENOMEM. Zeroed unless `zeroed` is false (the caller overwrites them
 * whole before anyone can see them). Kernel lock held.
 */
export function allocFrames(r: Region, npages: number, zeroed = true): number {
  const first = allocPages(r, npages, zeroed);
  if (first < 0) return first;
  for (let i = 0; i < npages; i++) r.set(r.frameRefs + first + i, 1);
  return first;
}

/**
 * Maps frames[at .. at + npages) at [vpn, vpn + npages) of task `slot` with
 * `rights`, taking over one holder of each frame. Kernel lock held.
 */
export function mapRange(r: Region, slot: number, vpn: number, frames: Int32Array, at: number, npages: number, rights: number): void {
  for (let i = 0; i < npages; i++) r.set(r.pageEntry(slot, vpn + i), (frames[at + i]! + 1) | rights);
  r.add(r.task(slot) + L.T_PAGES_MAPPED, npages);
}

/** Maps `npages` consecutive frames from `first` at `vpn` of task `slot` (see {@link mapRange}). */
export function mapRun(r: Region, slot: number, vpn: number, first: number, npages: number, rights: number): void {
  for (let i = 0; i < npages; i++) r.set(r.pageEntry(slot, vpn + i), (first + i + 1) | rights);
  r.add(r.task(slot) + L.T_PAGES_MAPPED, npages);
}

/** Unmaps mapped virtual page `vpn` of task `slot`, dropping its holder of the frame unless `keepHold`; the caller lowers T_PAGES_MAPPED. */
function unmapEntry(r: Region, slot: number, vpn: number, keepHold: boolean): void {
  const at = r.pageEntry(slot, vpn);
  const frame = frameOf(r.w[at]!);
  r.set(at, 0);
  if (!keepHold) dropFrame(r, frame);
}

/**
 * Unmaps the mapped range [vpn, vpn + npages) of task `slot`. Each frame's
 * holder is dropped, unless `keepHolds` (a move hands the holds on to a
 * delivery). Kernel lock held.
 */
export function unmapRange(r: Region, slot: number, vpn: number, npages: number, keepHolds = false): void {
  for (let i = 0; i < npages; i++) unmapEntry(r, slot, vpn + i, keepHolds);
  r.add(r.task(slot) + L.T_PAGES_MAPPED, -npages);
}

/** Unmaps the mapped pages `vpns` of task `slot`, dropping their holders. Kernel lock held. */
export function unmapPages(r: Region, slot: number, vpns: readonly number[]): void {
  for (const vpn of vpns) unmapEntry(r, slot, vpn, false);
  if (vpns.length > 0) r.add(r.task(slot) + L.T_PAGES_MAPPED, -vpns.length);
}

/** Unmaps every page of task `slot` (it is being reaped). Kernel lock held. */
export function unmapAll(r: Region, slot: number): void {
  if (r.w[r.task(slot) + L.T_PAGES_MAPPED] === 0) return;
  const mapped: number[] = [];
  for (let vpn = 0; vpn < r.pageSpace; vpn++) if (pageEntryOf(r, slot, vpn) !== 0) mapped.push(vpn);
  unmapPages(r, slot, mapped);
}

/**
 * The byte offset in the kernel buffer of [vpn, vpn + npages) of task
 * `slot` when those pages map consecutive frames (one view can cover them),
 * else -1. The range must be mapped.
 */
export function contiguousOffset(r: Region, slot: number, vpn: number, npages: number): number {
  const first = frameOf(pageEntryOf(r, slot, vpn));
  for (let i = 1; i < npages; i++) {
    if (frameOf(pageEntryOf(r, slot, vpn + i)) !== first + i) return -1;
  }
  return r.page(first) * 4;
}
