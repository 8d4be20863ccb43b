/**
 * Task page spaces and frames (page IPC, docs/objects/pages.md). A page space maps
 * a task's virtual pages (addresses are byte offsets, multiples of
 * PAGE_BYTES, below pageSpace × PAGE_BYTES) to frames of the kernel's page
 * pool with read or read/write rights. A frame counts the mapped pages and
 * in-flight deliveries holding it, and goes back to the pool with the last.
 *
 * Pages are mapped in runs (layout.ts, PS_*): consecutive virtual pages
 * mapping consecutive frames with the same rights, described once at the
 * run's first page (its head), each page naming its head. A send carries up
 * to 256 pages, and what an allocation, a move or a share maps is one run,
 * so checking, moving and mapping a range costs a step per run, and the
 * per-page work left is filling the head table (a native fill, logged as
 * one record, see {@link Region.saveRange}).
 *
 * Only a task's own thread changes its page space, except the supervisor
 * reaping it; every change is made under the kernel lock and logged, so a
 * task killed mid-change leaves it as it was.
 */
import * as L from './layout.js';
import { EFAULT, EINVAL, ENOMEM } from './errno.js';
import type { Region } from './region.js';
import { allocPages, freePages } from './page-pool.js';
import { markRun } from './bitmap.js';

/** The virtual page of byte address `addr`, or -EINVAL (not page-aligned or negative) / -EFAULT (past the page space). */
export function vpnOf(r: Region, addr: number): number {
  if (!Number.isInteger(addr) || addr < 0 || addr % L.PAGE_BYTES !== 0) return -EINVAL;
  const vpn = addr / L.PAGE_BYTES;
  return vpn < r.pageSpace ? vpn : -EFAULT;
}

/** The frame a frame word (a run's PS_RUN_FRAMES, a delivery's run) names first. */
export function frameOf(word: number): number {
  return (word & L.PAGE_ENTRY_FRAME_MASK) - 1;
}

// --- the tables of page space `ps` (a Region.pageSpaceOf word) ----------------

/** The head of the run mapping `vpn`, or -1 when `vpn` is unmapped. */
function headOf(r: Region, ps: number, vpn: number): number {
  return r.w[ps + vpn]! - 1;
}
/** Where page space `ps`'s run frame words start (a run's at its head's index). */
export function runFramesWord(r: Region, ps: number): number {
  return ps + r.pageSpace * L.PS_RUN_FRAMES;
}
/** Where page space `ps`'s run lengths start. */
export function runLengthsWord(r: Region, ps: number): number {
  return ps + r.pageSpace * L.PS_RUN_LENGTHS;
}
/** Where page space `ps`'s run delivery tags start. */
export function runTagsWord(r: Region, ps: number): number {
  return ps + r.pageSpace * L.PS_RUN_TAGS;
}
/** Where page space `ps`'s mapped bitmap starts. */
export function mappedBitmap(r: Region, ps: number): number {
  return ps + r.pageSpace * L.PS_MAPPED;
}

/**
 * Makes [vpn, vpn + npages) of page space `ps` one run mapping frame word
 * `frameWord` (first frame + 1 and rights) on, tagged `tag`. The pages'
 * heads are all `heads` now: 0, unmapped, or the head + 1 of a run this
 * call splits them off (the caller shortens the rest).
 */
function placeRun(r: Region, ps: number, vpn: number, npages: number, frameWord: number, tag: number, heads: number): void {
  r.saveFill(ps + vpn, npages, heads);
  r.w.fill(vpn + 1, ps + vpn, ps + vpn + npages);
  r.set(runFramesWord(r, ps) + vpn, frameWord);
  r.set(runLengthsWord(r, ps) + vpn, npages);
  r.set(runTagsWord(r, ps) + vpn, tag);
}

/** Sets or clears the mapped bits of [vpn, vpn + npages), and counts the pages in or out of task `slot`'s T_PAGES_MAPPED. */
function countMapped(r: Region, slot: number, ps: number, vpn: number, npages: number, mapped: boolean): void {
  markRun(r, mappedBitmap(r, ps), vpn, npages, mapped);
  r.add(r.task(slot) + L.T_PAGES_MAPPED, mapped ? npages : -npages);
}

// --- looking up --------------------------------------------------------------------

/** The frame mapped at virtual page `vpn` of task `slot`, or -1 when it is unmapped. */
export function frameAt(r: Region, slot: number, vpn: number): number {
  const ps = r.pageSpaceOf(slot);
  const head = headOf(r, ps, vpn);
  return head < 0 ? -1 : frameOf(r.w[runFramesWord(r, ps) + head]!) + (vpn - head);
}

/**
 * Whether task `slot` maps every page of [vpn, vpn + npages) with all of
 * `rights` (the range must lie inside the page space: false otherwise).
 */
export function holdsRange(r: Region, slot: number, vpn: number, npages: number, rights: number): boolean {
  if (vpn + npages > r.pageSpace) return false;
  const w = r.w;
  const ps = r.pageSpaceOf(slot);
  const frames = runFramesWord(r, ps);
  const lengths = runLengthsWord(r, ps);
  const end = vpn + npages;
  for (let v = vpn; v < end; ) {
    const head = headOf(r, ps, v);
    if (head < 0 || (w[frames + head]! & rights) !== rights) return false;
    v = head + w[lengths + head]!;
  }
  return true;
}

/**
 * The byte offset in the kernel buffer of page `vpn` of task `slot` when
 * [vpn, vpn + npages) maps consecutive frames (one view can cover them),
 * else -1. The range must be mapped.
 */
export function contiguousOffset(r: Region, slot: number, vpn: number, npages: number): number {
  const w = r.w;
  const ps = r.pageSpaceOf(slot);
  const frames = runFramesWord(r, ps);
  const lengths = runLengthsWord(r, ps);
  const head = headOf(r, ps, vpn);
  const first = frameOf(w[frames + head]!) + (vpn - head);
  // Past the first run, each run starts where the last one ended.
  for (let v = head + w[lengths + head]!; v < vpn + npages; v += w[lengths + v]!) {
    if (frameOf(w[frames + v]!) !== first + (v - vpn)) return -1;
  }
  return r.page(first) * 4;
}

/**
 * The first virtual page of a run of `npages` unmapped pages in task
 * `slot`'s space (the lowest), or -ENOMEM. Reads the mapped bitmap, whole
 * words at a time where they are all free or all mapped.
 */
export function findFreeRange(r: Region, slot: number, npages: number): number {
  const size = r.pageSpace;
  if (npages > size) return -ENOMEM;
  if (r.w[r.task(slot) + L.T_PAGES_MAPPED] === 0) return 0;
  const w = r.w;
  const bitmap = mappedBitmap(r, r.pageSpaceOf(slot));
  let run = 0;
  for (let vpn = 0; vpn < size; ) {
    const word = w[bitmap + (vpn >>> 5)]!;
    if ((vpn & 31) === 0 && vpn + 32 <= size && (word === 0 || word === -1)) {
      run = word === 0 ? run + 32 : 0;
      vpn += 32;
      if (run >= npages) return vpn - run;
      continue;
    }
    run = word & (1 << (vpn & 31)) ? 0 : run + 1;
    vpn++;
    if (run === npages) return vpn - npages;
  }
  return -ENOMEM;
}

// --- frames ----------------------------------------------------------------------------

/** Adds one holder to each of the `count` frames from `first`. Kernel lock held. */
export function holdFrameRun(r: Region, first: number, count: number): void {
  const w = r.w;
  const refs = r.frameRefs + first;
  r.saveRange(refs, count);
  for (let i = 0; i < count; i++) w[refs + i]!++;
}

/**
 * Drops one holder of each of the `count` frames from `first`; frames left
 * without one go back to the pool (a run of them at once). Kernel lock held.
 */
export function dropFrameRun(r: Region, first: number, count: number): void {
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

// --- run lists (a delivery's frames) ------------------------------------------------------

/**
 * Writes the frames of [vpn, vpn + npages) of task `slot` at word `list` as
 * runs, (first frame + 1, pages) pairs, joining runs whose frames follow
 * each other; returns how many. The range must be mapped. The list is the
 * caller's free storage: not logged.
 */
export function listRuns(r: Region, slot: number, vpn: number, npages: number, list: number): number {
  const w = r.w;
  const ps = r.pageSpaceOf(slot);
  const frames = runFramesWord(r, ps);
  const lengths = runLengthsWord(r, ps);
  const end = vpn + npages;
  let count = 0;
  for (let v = vpn; v < end; ) {
    const head = headOf(r, ps, v);
    const first = frameOf(w[frames + head]!) + (v - head);
    const pages = Math.min(head + w[lengths + head]!, end) - v;
    const last = list + 2 * (count - 1);
    if (count > 0 && frameOf(w[last]!) + w[last + 1]! === first) {
      w[last + 1] = w[last + 1]! + pages;
    } else {
      w[last + 2] = first + 1;
      w[last + 3] = pages;
      count++;
    }
    v += pages;
  }
  return count;
}

/** Adds (`hold`) or drops one holder of every frame of the `count` runs at word `list`. Kernel lock held. */
export function holdRuns(r: Region, list: number, count: number, hold: boolean): void {
  const w = r.w;
  for (let i = 0; i < count; i++) {
    const first = frameOf(w[list + 2 * i]!);
    const pages = w[list + 2 * i + 1]!;
    if (hold) holdFrameRun(r, first, pages);
    else dropFrameRun(r, first, pages);
  }
}

// --- mapping and unmapping ----------------------------------------------------------------

/**
 * Maps the `count` runs at word `list` at [vpn, ...) of task `slot` with
 * `rights`, tagged `tag` (0: none), taking over one holder of each frame.
 * The range is unmapped. Kernel lock held.
 */
export function mapRuns(r: Region, slot: number, vpn: number, list: number, count: number, rights: number, tag: number): void {
  const w = r.w;
  const ps = r.pageSpaceOf(slot);
  let v = vpn;
  for (let i = 0; i < count; i++) {
    const pages = w[list + 2 * i + 1]!;
    placeRun(r, ps, v, pages, (w[list + 2 * i]! & L.PAGE_ENTRY_FRAME_MASK) | rights, tag, 0);
    v += pages;
  }
  countMapped(r, slot, ps, vpn, v - vpn, true);
}

/** Maps `npages` consecutive frames from `first` at `vpn` of task `slot`, untagged (see {@link mapRuns}). */
export function mapRun(r: Region, slot: number, vpn: number, first: number, npages: number, rights: number): void {
  const ps = r.pageSpaceOf(slot);
  placeRun(r, ps, vpn, npages, (first + 1) | rights, 0, 0);
  countMapped(r, slot, ps, vpn, npages, true);
}

/**
 * Unmaps the mapped range [vpn, vpn + npages) of task `slot`, splitting the
 * runs that cross its ends. Each frame's holder is dropped, unless
 * `keepHolds` (a move hands the holds on to a delivery). Kernel lock held.
 */
export function unmapRange(r: Region, slot: number, vpn: number, npages: number, keepHolds = false): void {
  const w = r.w;
  const ps = r.pageSpaceOf(slot);
  const frames = runFramesWord(r, ps);
  const lengths = runLengthsWord(r, ps);
  const end = vpn + npages;
  if (!keepHolds) {
    for (let v = vpn; v < end; ) {
      const head = headOf(r, ps, v);
      const pages = Math.min(head + w[lengths + head]!, end) - v;
      dropFrameRun(r, frameOf(w[frames + head]!) + (v - head), pages);
      v += pages;
    }
  }
  // The pages of the last run past the range become a run of their own.
  const lastHead = headOf(r, ps, end - 1);
  const lastEnd = lastHead + w[lengths + lastHead]!;
  if (lastEnd > end) placeRun(r, ps, end, lastEnd - end, w[frames + lastHead]! + (end - lastHead), w[runTagsWord(r, ps) + lastHead]!, lastHead + 1);
  // The first run keeps its pages before the range.
  const firstHead = headOf(r, ps, vpn);
  if (firstHead < vpn) r.set(lengths + firstHead, vpn - firstHead);
  // Inside one run, every page of the range names the same head.
  if (firstHead === lastHead) r.saveFill(ps + vpn, npages, firstHead + 1);
  else r.saveRange(ps + vpn, npages);
  w.fill(0, ps + vpn, ps + end);
  countMapped(r, slot, ps, vpn, npages, false);
}

/** Unmaps every page of task `slot` (it is being reaped), a run at a time. Kernel lock held. */
export function unmapAll(r: Region, slot: number): void {
  const ps = r.pageSpaceOf(slot);
  const lengths = runLengthsWord(r, ps);
  for (let vpn = 0; vpn < r.pageSpace && r.w[r.task(slot) + L.T_PAGES_MAPPED] !== 0; ) {
    if (headOf(r, ps, vpn) < 0) {
      vpn++;
      continue;
    }
    const pages = r.w[lengths + vpn]!;
    unmapRange(r, slot, vpn, pages);
    vpn += pages;
  }
}

/**
 * Settles the runs of task `slot` in [vpn, vpn + npages) tagged `tag` (the
 * pages a delivery mapped there that are still mapped as it mapped them):
 * unmaps them (`unmap`), or keeps them, untagged. Kernel lock held.
 */
export function settleTagged(r: Region, slot: number, vpn: number, npages: number, tag: number, unmap: boolean): void {
  const w = r.w;
  const ps = r.pageSpaceOf(slot);
  const lengths = runLengthsWord(r, ps);
  const tags = runTagsWord(r, ps);
  for (let v = vpn; v < vpn + npages; ) {
    const head = headOf(r, ps, v);
    if (head < 0) {
      v++;
      continue;
    }
    const pages = w[lengths + head]!;
    if (w[tags + head] === tag) {
      if (unmap) unmapRange(r, slot, head, pages);
      else r.set(tags + head, 0);
    }
    v = head + pages;
  }
}
