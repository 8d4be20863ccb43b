/**
 * Page IPC (docs/objects/pages.md): the task page spaces, and the frame words
 * they map (src/core/page-space.ts). Deliveries, send flags and handler
 * tables are in deliveries.ts.
 *
 * Each task has a page space of H_PAGE_SPACE virtual pages (addresses are
 * byte offsets, multiples of PAGE_BYTES), mapped in runs: a run is
 * consecutive virtual pages mapping consecutive frames of the pool with the
 * same rights. A frame is a page of the pool; FRAME_REFS (one word per pool
 * page, from H_OFF_FRAME_REFS) counts the mapped pages and deliveries
 * holding it, and it returns to the pool with the last.
 *
 * The page spaces are one table of pageSpaceWords(H_PAGE_SPACE) words per
 * task slot (from H_OFF_PAGE_SPACES). Only a task's own thread changes its
 * page space, except the supervisor reaping it; every change, and every
 * change of a frame's count, is made under the kernel lock and logged.
 *
 * A page space is four tables of H_PAGE_SPACE words and a bitmap:
 * - PS_HEADS: per virtual page, the first page of its run + 1 (0: unmapped);
 * - at a run's first page (its head) only: PS_RUN_FRAMES, its first frame
 *   + 1 with the rights bits (a "frame word"); PS_RUN_LENGTHS, its pages;
 *   PS_RUN_TAGS, the delivery tag (delivery id + 1) while it holds pages
 *   of a delivery whose handler has not decided yet, else 0 (an abandon
 *   unmaps only these);
 * - PS_MAPPED: one bit per virtual page, set while mapped (for finding free
 *   ranges a word at a time).
 */

export const PS_HEADS = 0;
export const PS_RUN_FRAMES = 1;
export const PS_RUN_LENGTHS = 2;
export const PS_RUN_TAGS = 3;
export const PS_MAPPED = 4;
/** Words of one task's page space. */
export function pageSpaceWords(pageSpace: number): number {
  return PS_MAPPED * pageSpace + Math.ceil(pageSpace / 32);
}
/** A frame word: frame + 1 in these bits, rights above. */
export const PAGE_ENTRY_FRAME_MASK = 0x00ffffff;
export const PAGE_READ = 1 << 24;
export const PAGE_WRITE = 1 << 25;
