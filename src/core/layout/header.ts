/**
 * The region header: the first HEADER_WORDS words of the kernel region
 * (word offsets below).
 *
 * Boot (src/core/boot.ts) writes it before any task attaches: the magic and
 * ABI version, the limits the kernel was created with, and the word offset
 * of every table (H_OFF_*, placed by computeLayout in region-size.ts), so
 * that every thread attaching to the region reads the same layout. Those
 * words never change afterwards.
 *
 * The rest is live state:
 * - H_LOCK is the kernel lock itself, taken and released with atomics;
 *   H_LOCK_WAITERS and H_UNDO_COUNT belong to its protocol (region.ts);
 * - the free-list heads, the usage counters (H_*_USED,
 *   H_MESSAGES_RESERVED) and H_DELIVERY_SEQ change under the kernel lock,
 *   through the undo log;
 * - H_SPINNERS, H_POLLERS and H_POLL_SEQ change with atomics and no lock;
 * - the statistics (H_STAT_*) only grow, some under the kernel lock, some
 *   with an atomic add; the reap of a task folds its own counters in.
 */

export const KERNEL_MAGIC = 0x4b495043; // "KIPC"
export const KERNEL_VERSION = 4;

export const H_MAGIC = 0;
export const H_VERSION = 1;
/** Kernel lock word: 0 free, else the slot index + 1 of the holding task. */
export const H_LOCK = 2;
/** Number of threads parked on H_LOCK. */
export const H_LOCK_WAITERS = 3;
/** Number of (word, old value) pairs in the undo log of the current lock holder. */
export const H_UNDO_COUNT = 4;
export const H_MAX_TASKS = 5;
export const H_MAX_OBJECTS = 6;
export const H_MAX_HANDLES = 7;
export const H_MESSAGE_SLOTS = 8;
export const H_MAX_CALLS = 9;
export const H_NAMESPACE_ENTRIES = 10;
export const H_MAX_PATH_BYTES = 11;
export const H_UNDO_ENTRIES = 12;
export const H_OFF_UNDO = 13;
export const H_OFF_TASKS = 14;
export const H_OFF_OBJECTS = 15;
export const H_OFF_HANDLES = 16;
export const H_OFF_MESSAGES = 17;
export const H_OFF_CALLS = 18;
export const H_OFF_NAMESPACE = 19;
/** Head of the free list of objects (slot index, -1 when empty). */
export const H_OBJECT_FREE = 20;
/** Word offset of the bitmap of message slots in use (1 bit each, set = part of some queue's ring). */
export const H_OFF_MESSAGE_BITMAP = 21;
/** Messages the live queues can hold (the sum of their capacities; each ring has one slot more). */
export const H_MESSAGES_RESERVED = 22;
/** Head of the free list of call slots. */
export const H_CALL_FREE = 23;
/** Word offset of the call tables: per task, its calls in flight by token (see CALL_TABLE_ENTRIES_MAX). */
export const H_OFF_CALL_TABLES = 24;
/** Number of live objects, call slots in use, namespace bindings. */
export const H_OBJECTS_USED = 25;
export const H_CALLS_USED = 26;
export const H_BINDINGS_USED = 27;
export const H_HANDLES_USED = 28;
/** Microseconds a waiter spins before parking (tunable at create time). */
export const H_SPIN = 29;
/** Statistics, monotonically increasing. */
export const H_STAT_SENDS = 30;
export const H_STAT_RECEIVES = 31;
export const H_STAT_CALLS = 32;
export const H_STAT_REPLIES = 33;
export const H_STAT_EPIPE_REPLIES = 34;
export const H_STAT_TASK_EXITS = 35;
export const H_STAT_LOCK_RECOVERIES = 36;
export const H_STAT_PARKS = 37;
/** Threads spinning right now, and how many may spin at once (cores - 1, at least 1). */
export const H_SPINNERS = 38;
export const H_MAX_SPINNERS = 39;
/** The page pool: how many pages, where its bitmap and its pages start (words), how many are in use. */
export const H_PAGES = 40;
export const H_OFF_PAGE_BITMAP = 41;
export const H_OFF_PAGES = 42;
export const H_PAGES_USED = 43;
/**
 * Tasks waiting on many objects at once, and the word they sleep on: every
 * wake-up of an object's waiters also bumps and wakes it while pollers exist.
 */
export const H_POLLERS = 44;
export const H_POLL_SEQ = 45;
/** Word offsets of the network block and of the keyboard pipes (docs/objects/network.md, keyboard-pipe.md). */
export const H_OFF_NET = 46;
export const H_OFF_PIPES = 47;
/**
 * Page IPC (docs/objects/pages.md): virtual pages per task page space, in-flight
 * pages a sender may have, delivery records; where the page spaces, the
 * frame reference counts, the deliveries and the handler tables start; the
 * next delivery's sequence number; deliveries in flight.
 */
export const H_PAGE_SPACE = 48;
export const H_PAGE_QUOTA = 49;
export const H_DELIVERIES = 50;
export const H_OFF_PAGE_SPACES = 51;
export const H_OFF_FRAME_REFS = 52;
export const H_OFF_DELIVERIES = 53;
export const H_OFF_HANDLER_TYPES = 54;
export const H_DELIVERY_SEQ = 55;
export const H_DELIVERIES_USED = 56;
/** The first free delivery record, as index + 1 (0: none free); free records chain through D_NEXT. */
export const H_DELIVERY_FREE = 57;
/** Word offset of the namespace policies: one record per task slot (see NP_CONFINED). */
export const H_OFF_NAMESPACE_POLICIES = 58;
/**
 * Statistics: sleeps that ended (a parked thread running again). A thread
 * that woke a sleeper learns from it whether the sleeper got a core while
 * it spun (src/ops/park.ts, spinBriefly).
 */
export const H_STAT_RESUMES = 59;
/** The OS pid of the process whose thread created the kernel (init's), for processes that join it (docs/processes.md). */
export const H_INIT_OS_PID = 60;
/** Bumped (and woken) by a process that joins the kernel as a task, so that the supervisor watches it for its death. */
export const H_JOINS = 61;
/** Set to 1 (by any participant's watch, src/backend/process.ts) once init's process has exited: the kernel is gone. */
export const H_KERNEL_GONE = 62;
export const HEADER_WORDS = 64;
