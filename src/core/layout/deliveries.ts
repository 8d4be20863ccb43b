/**
 * Page IPC (docs/objects/pages.md; src/objects/page-ipc/page-ipc.ts): the page
 * sends, their delivery records, and the handler tables. Page spaces and
 * frame words are in page-spaces.ts.
 *
 * The delivery records are one table of H_DELIVERIES records of
 * DELIVERY_WORDS words (from H_OFF_DELIVERIES): each target of a send gets
 * one, holding the frames, so a sender's death cancels nothing. Free
 * records chain through D_NEXT from H_DELIVERY_FREE; a task's pending ones
 * chain through D_NEXT from T_PENDING_FIRST in the order they were sent.
 *
 * The handler tables are one table of HANDLER_SLOTS words per task slot
 * (from H_OFF_HANDLER_TYPES): the message types the task handles, each as
 * type + 1 (0: free).
 *
 * Both change only under the kernel lock, through the undo log: every page
 * IPC operation is one critical section.
 */

/** Handler types a task may register at once. */
export const HANDLER_SLOTS = 16;
/** Pages one send may carry (1 MiB). */
export const MAX_SEND_PAGES = 256;
/** Send flags: bit 0 the sender keeps its access (share) instead of losing it (move); bit 1 the receiver may write; bit 2 the receiver gets a copy. */
export const SEND_KEEP = 1;
export const SEND_RECEIVER_WRITES = 2;
export const SEND_DUPLICATE = 4;
/** Bits 3-4: the target. */
export const SEND_TARGET_SHIFT = 3;
export const SEND_TARGET_PID = 0;
export const SEND_TARGET_SELF = 1;
export const SEND_TARGET_ALL = 2;
export const SEND_TARGET_OTHERS = 3;
export const SEND_FLAGS_MASK = 0x1f;
/** Delivery record: state, order, who, what, where it was mapped, the next in its list, then its frames. */
export const D_STATE = 0;
export const D_SEQ = 1;
export const D_SENDER = 2;
export const D_RECEIVER = 3;
export const D_TYPE = 4;
export const D_NPAGES = 5;
export const D_FLAGS = 6;
/** The receiver's address of the pages once taken (handed to its handler). */
export const D_ADDR = 7;
/** The next record (index + 1, 0: none) in the free list or in the receiver's pending list. */
export const D_NEXT = 8;
/** The pages' frames as runs of consecutive frames: how many runs, then a (first frame + 1, pages) pair each. */
export const D_RUNS = 9;
export const D_RUN_LIST = 10;
export const DELIVERY_WORDS = D_RUN_LIST + 2 * MAX_SEND_PAGES;
/** D_STATE values. */
export const DELIVERY_FREE = 0;
/** Sent, waiting for the receiver to take it. */
export const DELIVERY_PENDING = 1;
/** Mapped in the receiver's space, its handler deciding. */
export const DELIVERY_TAKEN = 2;
