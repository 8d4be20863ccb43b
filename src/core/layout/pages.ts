/**
 * The page pool: H_PAGES pages of 4 KiB at the end of the region (from
 * H_OFF_PAGES, on a 4096-byte boundary of the buffer), with a bitmap of
 * the pages in use (one bit each, from H_OFF_PAGE_BITMAP) and, for page
 * IPC, a reference count per page (a frame: one word each, from
 * H_OFF_FRAME_REFS; see page-spaces.ts).
 *
 * Channels, mailboxes and rings keep their storage here (O_RING and
 * O_PAGES of their object record), and page IPC maps its frames from it.
 * Pages are taken and given back, in runs, under the kernel lock
 * (src/core/page-pool.ts); a taken page is zeroed then (free pages belong
 * to nobody, so that needs no undo log). What is inside a taken page
 * belongs to the object holding it, or to the tasks mapping it.
 */

export const PAGE_BYTES = 4096;
export const PAGE_WORDS = PAGE_BYTES / 4;
