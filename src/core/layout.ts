/**
 * The kernel region: one SharedArrayBuffer, addressed as 32-bit words.
 *
 * Every table below lives at a word offset computed once by {@link computeLayout}
 * from the kernel's limits and stored in the header, so that any thread that
 * attaches to the region reads the same layout. Each table is an array of
 * fixed-stride records; the field offsets inside a record are the constants
 * declared here and nowhere else.
 *
 * ```
 *  header | message bitmap | undo log | task table | object table | handle tables | message slots | call slots | namespace
 *  | namespace policies | network block | keyboard pipes | page bitmap | pages
 * ```
 */

export const KERNEL_MAGIC = 0x4b495043; // "KIPC"
export const KERNEL_VERSION = 3;

/** Size of an IpcMessage in bytes and in 32-bit words (docs/objects/port.md, "The message"). */
export const MESSAGE_BYTES = 64;
export const MESSAGE_WORDS = 16;
/** Byte offsets of the IpcMessage fields. */
export const MSG_SENDER = 0; // u64: low word pid, high word call token
export const MSG_TYPE = 8;
export const MSG_FLAGS = 12;
export const MSG_PAYLOAD = 16;
export const MSG_PAYLOAD_BYTES = 48;
/** msg_type of a reply carrying a status (docs/objects/port.md, "The message"). */
export const MSG_TYPE_REPLY = 0x80;
export const MSG_TYPE_BOOTSTRAP = 0x10;

// ---------------------------------------------------------------------------
// Header (word offsets)
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
export const HEADER_WORDS = 64;

/** Words in a 64-byte cache line: tables whose records are split by line start on one. */
export const CACHE_LINE_WORDS = 16;
/**
 * Words in an aligned pair of cache lines. CPUs fetch lines in adjacent
 * pairs, so data one thread writes while another reads its neighbour goes in
 * a pair of its own (measured on 1→1 channels: about a quarter more
 * messages per second than with single-line separation).
 */
export const LINE_PAIR_WORDS = 2 * CACHE_LINE_WORDS;

// ---------------------------------------------------------------------------
// Task table record
export const T_STATE = 0;
export const T_GEN = 1;
export const T_PID = 2;
export const T_PERSONALITY = 3;
/** Object slot + 1 the task is parked on (0 = none), and the event it waits for. */
export const T_BLOCKED_OBJECT = 4;
export const T_BLOCKED_EVENT = 5;
/** Parent pid. */
export const T_PARENT = 6;
export const T_EXIT_CODE = 7;
/** Number of handles in the task's table. */
export const T_HANDLE_COUNT = 8;
/** Next handle index to try when allocating. */
export const T_HANDLE_HINT = 9;
/** Counters kept by the task's own thread (no contention), folded into the header's when it dies. */
export const T_SENDS = 10;
export const T_RECEIVES = 11;
export const T_CALLS = 12;
export const T_REPLIES = 13;
/**
 * Park records: word indices of the waiter counters this task incremented
 * before parking (0 = free). The supervisor subtracts them when the task dies
 * so that a counter never stays raised by a dead waiter.
 */
export const T_PARK_RECORDS = 16;
export const TASK_PARK_RECORDS = 32;
/** Set (to H_LOCK_WAITERS) while the task sleeps waiting for the kernel lock. */
export const T_LOCK_PARK = T_PARK_RECORDS + TASK_PARK_RECORDS;
/** 1 while the task counts itself in H_SPINNERS (lowered by the supervisor if it dies spinning). */
export const T_SPINNING = T_LOCK_PARK + 1;
/** Object slot + 1 of the task's mailbox (docs/objects/mailbox.md), 0 until it has one. */
export const T_MAILBOX = T_SPINNING + 1;
/** Page IPC: bumped on every delivery to the task (its handlers' loop waits on it), with its parked waiters. */
export const T_PAGE_SEQ = T_MAILBOX + 1;
export const T_PAGE_WAITERS = T_MAILBOX + 2;
/** Pages this task sent that no receiver has accepted or abandoned yet (charged against H_PAGE_QUOTA). */
export const T_PAGES_IN_FLIGHT = T_MAILBOX + 3;
/** Pages mapped in the task's page space. */
export const T_PAGES_MAPPED = T_MAILBOX + 4;
/** Deliveries pending to this task (not yet taken). */
export const T_PAGES_PENDING = T_MAILBOX + 5;
/**
 * The task's pending deliveries in the order they were sent: the first and
 * the last record, as index + 1 (0: none), chained through D_NEXT.
 */
export const T_PENDING_FIRST = T_MAILBOX + 6;
export const T_PENDING_LAST = T_MAILBOX + 7;
/**
/**
 * The token of the task's last call (u32, never 0 once issued): each call
 * takes the next one, so a token names one call of this task for 2^32 calls.
 */
export const T_CALL_SEQ = T_MAILBOX + 8;
/**
 * Quotas (docs/quotas.md): the kinds of resource a task is budgeted for.
 * Handles are counted in T_HANDLE_COUNT; the others in T_QUOTA_USED.
 */
export const QUOTA_HANDLES = 0;
/** Handles other tasks pushed into this one's table with HANDLE_GRANT (marked HANDLE_FLAG_GRANTED). */
export const QUOTA_RECEIVED_HANDLES = 1;
/** Objects the task created, live until freed (even when only handles in flight keep them). */
export const QUOTA_OBJECTS = 2;
/** Message slots the rings of the ports it created take (capacity + 1 each). */
export const QUOTA_MESSAGE_SLOTS = 3;
/** Pool pages the channels and rings it created hold. */
export const QUOTA_PAGES = 4;
/** Namespace bindings it made. */
export const QUOTA_NAMES = 5;
/** Call slots its calls hold (in flight, or kept idle for its next call). */
export const QUOTA_CALLS = 6;
/** Page deliveries it sent that no receiver has accepted or abandoned yet. */
export const QUOTA_DELIVERIES = 7;
export const QUOTA_KINDS = 8;
/** The task's limit for each quota kind: T_QUOTA_LIMITS + kind. */
export const T_QUOTA_LIMITS = T_CALL_SEQ + 1;
/** What the task is charged now for each kind but QUOTA_HANDLES: T_QUOTA_USED + kind. */
export const T_QUOTA_USED = T_QUOTA_LIMITS + QUOTA_KINDS;
/** 1 while the task refuses HANDLE_GRANT from other tasks, else 0. */
export const T_REFUSES_GRANTS = T_QUOTA_USED + QUOTA_KINDS;
/** Whole pairs of cache lines: a task's counters never share a pair with another task's. */
export const TASK_WORDS = Math.ceil((T_REFUSES_GRANTS + 1) / LINE_PAIR_WORDS) * LINE_PAIR_WORDS;

export const TASK_FREE = 0;
export const TASK_STARTING = 1;
export const TASK_RUNNING = 2;
/** Dead and cleaned up; the slot can be reused. */
export const TASK_EXITED = 3;
/** Dead (its thread has stopped), cleanup pending: locks it holds may be taken over. */
export const TASK_DYING = 4;

/** Pids: slot + 1 + generation * PID_SLOT_STRIDE, so a stale pid never names a new task. */
export const PID_SLOT_BITS = 12;
export const PID_SLOT_STRIDE = 1 << PID_SLOT_BITS;
export const MAX_TASKS_LIMIT = PID_SLOT_STRIDE - 1;

// ---------------------------------------------------------------------------
// Object table record: five pairs of cache lines (the table starts on a
// pair). Pair 0 is the object's identity, read by everyone and written
// rarely. A queue's senders own pairs 1 and 2, its receivers pairs 3 and 4:
// a side's published index (read by the other side) and its lock (touched by
// the other side only to flag a waiter) lie in different pairs, so with one
// task on each side nothing moves between them but the index and the
// messages.
export const O_TYPE = 0;
export const O_GEN = 1;
/** References: handles in any table + handles in flight in messages. */
export const O_REFS = 2;
export const O_OWNER = 3;
/** Handles with read right to this object in its owner's table (a port dies with the last). */
export const O_OWNER_HANDLES = 4;
export const O_FLAGS = 5;
/** How many messages the queue holds at most. */
export const O_CAPACITY = 6;
/**
 * A queue is a ring of O_CAPACITY + 1 consecutive message slots starting at
 * message slot O_RING (one slot stays empty, so head === tail means empty).
 * O_HEAD is the ring index of the oldest message, written only by the
 * receiver holding O_RECV_LOCK; O_TAIL the index the next message goes to,
 * written only by the sender holding O_SEND_LOCK. Each side commits with one
 * store of its index, so senders and receivers never take the same lock.
 */
export const O_RING = 7;
export const O_NEXT_FREE = 8;
export const O_BINDINGS = 9;
/**
 * Channels: handles (installed or in flight) that can receive (read right)
 * and that can send (write right). Receivers drain and then get EPIPE once
 * O_WRITERS is 0; senders get EPIPE once O_READERS is 0.
 */
export const O_READERS = 10;
export const O_WRITERS = 11;
/**
 * Channels and rings keep their storage in the page pool: O_RING is then the
 * first page and O_PAGES how many. A channel's slots are O_SLOT_WORDS words
 * each (whole cache lines) and hold, when O_MAX_BYTES is 0, one 64-byte
 * IpcMessage, else a length word then up to O_MAX_BYTES bytes.
 */
export const O_PAGES = 12;
export const O_SLOT_WORDS = 13;
export const O_MAX_BYTES = 14;
/** A ring's size in bytes as created (rounded up to whole pages). */
export const O_RING_BYTES = 15;
/**
 * Pid of the task charged for this object and what it reserves (its
 * creator; docs/quotas.md), 0 for nobody (a task's mailbox). Credited only
 * while that pid is live, so a reused task slot is never credited.
 */
export const O_CREATOR = 16;

/** Senders' published pair: the tail, and the event word receivers park on. */
export const O_TAIL = LINE_PAIR_WORDS;
/**
 * A semaphore's count (>= 0; SEMAPHORE_DESTROYED once destroyed) and its
 * parked waiters, on the line a queue's tail would use, next to O_READ_SEQ,
 * the event word its waiters park on. The waiter count has a word no other
 * object type uses and is never reset: a waiter of a semaphore destroyed
 * and freed meanwhile (an async SEM_WAIT resumes only when its event loop
 * turns) lowers it when the slot may already hold a new semaphore. Every
 * raise is matched by one lowering (the waiter's, or the reap's), so the
 * count stays right across reuse; a reset at creation would let that late
 * lowering drive it negative, and the new semaphore's posts would then not
 * wake its sleepers (a lost wake-up).
 */
export const O_SEM_COUNT = O_TAIL;
export const O_SEM_WAITERS = O_TAIL + 3;
/**
 * A mailbox's sends refused because it was full (EAGAIN, or a frame
 * dropped): written by senders only, so in their pair (a sender retrying on
 * a full mailbox must not keep stealing the identity pair the receiver reads).
 */
export const O_MAILBOX_REFUSED = O_TAIL + 2;
export const SEMAPHORE_DESTROYED = -1;
export const SEMAPHORE_MAX = 0x7fffffff;
/** Bumped when the send lock is released with QUEUE_PEERS_WAITING set. */
export const O_READ_SEQ = O_TAIL + 1;
/** Senders' own pair. Receivers waiting for a message flag themselves on the lock. */
export const O_SEND_LOCK = 2 * LINE_PAIR_WORDS;
/** The head as senders last read it (a lower bound of the real one): saves reading the receivers' line. */
export const O_CACHED_HEAD = O_SEND_LOCK + 1;

/** Receivers' published pair: the head, and the event word senders park on. */
export const O_HEAD = 3 * LINE_PAIR_WORDS;
/** Bumped when the receive lock is released with QUEUE_PEERS_WAITING set. */
export const O_WRITE_SEQ = O_HEAD + 1;
/** Receivers' own pair. Senders waiting for room flag themselves on the lock. */
export const O_RECV_LOCK = 4 * LINE_PAIR_WORDS;
/** The tail as receivers last read it. */
export const O_CACHED_TAIL = O_RECV_LOCK + 1;
export const OBJECT_WORDS = 5 * LINE_PAIR_WORDS;

export const OBJECT_FLAG_DESTROYED = 1;
/** A ring's byte stream was shut down by a writer: no more bytes will come. */
export const OBJECT_FLAG_RING_SHUT = 2;

/**
 * A queue lock word (O_SEND_LOCK, O_RECV_LOCK) holds the lock tag of its
 * holder (0 when free) and two flags, so that releasing it is one atomic
 * exchange that also says whom to wake:
 * - QUEUE_LOCK_CONTENDED: a thread is parked waiting for the lock;
 * - QUEUE_PEERS_WAITING: a task of the other side is parked waiting for
 *   what the holder's side commits (receivers for a message on the send
 *   lock, senders for room on the receive lock). The releaser bumps the
 *   other side's event word (O_READ_SEQ / O_WRITE_SEQ) and wakes them.
 * The flags outlive the holder: they are set on a free lock too, and cleared
 * by the next release.
 */
export const QUEUE_LOCK_TAG_MASK = 0xffff;
export const QUEUE_LOCK_CONTENDED = 1 << 16;
export const QUEUE_PEERS_WAITING = 1 << 17;
export const QUEUE_LOCK_FLAGS = QUEUE_LOCK_CONTENDED | QUEUE_PEERS_WAITING;

/** Resource types (Strat9's numbers). */
export const OBJ_FREE = 0;
export const OBJ_PORT = 4;
export const OBJ_CHANNEL = 5;
export const OBJ_RING = 6;
export const OBJ_SEMAPHORE = 7;
/** kipc's own types: a task's mailbox (rou2exOS, docs/objects/mailbox.md). */
export const OBJ_MAILBOX = 8;

// ---------------------------------------------------------------------------
// Page pool: 4 KiB pages for rings and channels, at the end of the region
export const PAGE_BYTES = 4096;
export const PAGE_WORDS = PAGE_BYTES / 4;
/** Channel capacity through CHAN_CREATE is clamped to 1..CHANNEL_MAX_CAPACITY (docs/syscalls/chan_create.md). */
export const CHANNEL_MAX_CAPACITY = 1024;

// ---------------------------------------------------------------------------
// Handle table record (one table of maxHandles records per task)
/** Object slot + 1 (0 = free entry). */
export const HD_OBJECT = 0;
export const HD_OBJECT_GEN = 1;
export const HD_RIGHTS = 2;
export const HD_GEN = 3;
/** Entry (word index + 1) of the handle this one was derived from (0 = root), and how many derive from this one. */
export const HD_PARENT = 4;
export const HD_CHILDREN = 5;
/** HANDLE_FLAG_* bits. */
export const HD_FLAGS = 6;
export const HANDLE_WORDS = 7;
/** Installed by another task's HANDLE_GRANT: counted in the holder's QUOTA_RECEIVED_HANDLES. */
export const HANDLE_FLAG_GRANTED = 1;

/** Handle values: index + 1 + generation * HANDLE_INDEX_STRIDE. Never 0. */
export const HANDLE_INDEX_BITS = 12;
export const HANDLE_INDEX_STRIDE = 1 << HANDLE_INDEX_BITS;
export const MAX_HANDLES_LIMIT = HANDLE_INDEX_STRIDE - 1;

// ---------------------------------------------------------------------------
// Message slot record: the 64-byte message (first line), then its bookkeeping (second line)
/**
 * Words of the message line the kernel owns in a queued slot:
 * - the sender's pid, never 0 while the message is queued. A receiver that
 *   has taken a call or a handle out of the slot but not yet advanced the
 *   head sets it to 0 (logged, under the kernel lock); if it dies there,
 *   recovery advances the head for it;
 * - the call token (0 for anything but a call);
 * - flags: 0, or {@link SLOT_FLAG_TRANSFER} when a handle travels with it.
 * A receiver sees from this line alone whether the message needs the kernel
 * lock (a token or a flag) or is plain, so a plain message costs one line.
 */
export const M_SENDER_PID = MSG_SENDER >> 2;
export const M_CALL_TOKEN = (MSG_SENDER >> 2) + 1;
export const M_FLAGS = MSG_FLAGS >> 2;
export const SLOT_FLAG_TRANSFER = 1;
/**
 * The bookkeeping line is clean (all 0) in every slot but those holding a
 * queued call or handle: plain senders never touch it, and whoever takes,
 * drops or withdraws a call or handle clears it.
 *
 * M_CALL: call slot + 1 when this message is a call awaiting a reply, else 0.
 */
export const M_CALL = MESSAGE_WORDS + 1;
/**
 * A handle in flight: object slot + 1 (0 = none), its rights, and the
 * sender's handle entry (+1) it derives from. While in flight it holds a
 * reference to the object and counts as a child of that entry, so revoke
 * reaches it.
 */
export const M_XFER_OBJECT = MESSAGE_WORDS + 2;
export const M_XFER_RIGHTS = MESSAGE_WORDS + 3;
export const M_XFER_PARENT = MESSAGE_WORDS + 4;
/**
 * One pair of cache lines (the table starts on a pair): a sender filling the
 * slot after the one a receiver is copying out never shares a pair with it.
 */
export const MESSAGE_SLOT_WORDS = LINE_PAIR_WORDS;

// ---------------------------------------------------------------------------
// Call slot record
/** Futex word of the call: one of the CALL_* states. */
export const C_STATE = 0;
/**
 * The call's token, as carried in the high word of IpcMessage.sender: the
 * caller's next T_CALL_SEQ when the call was made (never 0). A reply must
 * name it exactly, so a request kept from an earlier call is refused (EPERM)
 * until its caller has made 2^32 more calls.
 */
export const C_TOKEN = 1;
export const C_CALLER = 2;
/** Pid of the task that received the call and holds the one-shot reply right. */
export const C_SERVER = 3;
/** Object slot of the port the call is queued on, and the message slot it sits in (-1 once received). */
export const C_PORT = 4;
export const C_MESSAGE = 5;
export const C_WAITERS = 6;
export const C_NEXT_FREE = 7;
/** The reply message, written by IPC_REPLY or by the kernel (EPIPE). */
export const C_REPLY = 8;
export const C_REPLY_STATUS = C_REPLY + MESSAGE_WORDS;
export const CALL_WORDS = C_REPLY + MESSAGE_WORDS + 2;

export const CALL_FREE = 0;
/** The call message sits in a port queue. */
export const CALL_QUEUED = 1;
/** A task received it and owes a reply. */
export const CALL_RECEIVED = 2;
/** The reply is written; the caller will copy it out and free the slot. */
export const CALL_REPLIED = 3;
/** The caller gave up (deadline, abort, death) after the call was received. */
export const CALL_ABANDONED = 4;
/**
 * Idle, kept by its last caller for its next call (saves the free list and
 * the kernel lock when a reply is taken). Counted as free; a caller that
 * finds the free list empty may take another task's cached slot.
 */
export const CALL_CACHED = 5;

/** Call slots a kernel may have. */
export const MAX_CALLS_LIMIT = 65535;
/**
 * Call tables: each task has one of callTableEntries(maxCalls) words, a
 * power of two; entry (token & (entries - 1)) holds call slot + 1 of its
 * call in flight with that token. A reply finds its call slot from the
 * caller's pid and the token in one load; a caller skips tokens whose entry
 * is taken by a call still in flight, so no two of its calls share one.
 */
export const CALL_TABLE_ENTRIES_MAX = 4096;
export function callTableEntries(maxCalls: number): number {
  let entries = 1;
  while (entries < maxCalls && entries < CALL_TABLE_ENTRIES_MAX) entries *= 2;
  return entries;
}

// ---------------------------------------------------------------------------
// Mailboxes (rou2exOS, docs/objects/mailbox.md): a queue of MAILBOX_CAPACITY byte
// messages in the page pool, each slot with its own buffer: header words
// then up to FRAME_MAX_BYTES bytes (a task's send carries at most
// MAILBOX_MESSAGE_BYTES; a network frame up to FRAME_MAX_BYTES).
export const MAILBOX_CAPACITY = 10;
export const MAILBOX_MESSAGE_BYTES = 512;
export const FRAME_MAX_BYTES = 2048;
/** Slot header words: payload length in bytes, sender pid (0: a device), kind. */
export const MB_LENGTH = 0;
export const MB_SENDER = 1;
export const MB_KIND = 2;
/** Word of the slot where the payload starts. */
export const MB_PAYLOAD = 4;
export const MAILBOX_SLOT_WORDS = Math.ceil((MB_PAYLOAD + FRAME_MAX_BYTES / 4) / LINE_PAIR_WORDS) * LINE_PAIR_WORDS;
/** A message a task sent, and an Ethernet frame the network interface delivered. */
export const MAIL_KIND_DATA = 0;
export const MAIL_KIND_FRAME = 1;
/** How many frames the driver may have queued for the interface to transmit. */
export const NET_TX_CAPACITY = 64;

// ---------------------------------------------------------------------------
// Network block (one per kernel): who gets frames, and a counter for every
// delivery, drop and refusal.
/** Pid of the network driver task (0: none). */
export const NET_DRIVER = 0;
/** Object slot + 1 of the transmit queue of the attached interface (0: none attached). */
export const NET_TX = 1;
/** Frames the interface handed to the kernel. */
export const NET_FRAMES_IN = 2;
/** Delivered to the task bound to the frame's TCP destination port, or to the driver. */
export const NET_TO_PORT = 3;
export const NET_TO_DRIVER = 4;
/** Dropped: no port binding and no driver; the target's mailbox full; longer than FRAME_MAX_BYTES; shorter than an Ethernet header. */
export const NET_DROP_NO_ROUTE = 5;
export const NET_DROP_FULL = 6;
export const NET_DROP_TOO_BIG = 7;
export const NET_DROP_RUNT = 8;
/** Frames the driver queued for transmission, and those refused because the queue was full. */
export const NET_TX_FRAMES = 9;
export const NET_TX_REFUSED = 10;
/** net_register calls refused (EBUSY, ENOSPC). */
export const NET_REGISTER_REFUSED = 11;
/** The port table: NET_PORT_ENTRIES × (TCP port, pid); pid 0 = free. */
export const NET_PORTS = 16;
export const NET_PORT_ENTRIES = 16;
export const NET_PORT_WORDS = 2;
export const NET_WORDS = NET_PORTS + NET_PORT_ENTRIES * NET_PORT_WORDS;

// ---------------------------------------------------------------------------
// Keyboard pipes: a small header, then PIPE_SUBSCRIBERS records, each a
// ring of PIPE_RING_BYTES scancode bytes filled by the keyboard device and
// drained by its subscriber. Head and tail count bytes for ever (int32
// wrap-around); the ring holds tail - head of them.
/** Bytes the keyboard device delivered, and 1 while a keyboard device is attached. */
export const K_SCANCODES = 0;
export const K_ATTACHED = 1;
export const PIPES_HEADER_WORDS = LINE_PAIR_WORDS;
export const PIPE_SUBSCRIBERS = 5;
export const PIPE_RING_BYTES = 256;
/** Subscriber pid (0: free). */
export const P_PID = 0;
export const P_HEAD = 1;
export const P_TAIL = 2;
/** Bytes dropped because the ring was full. */
export const P_DROPPED = 3;
/** Bumped after each delivery; a subscriber waiting for bytes parks on it, counted in P_WAITERS. */
export const P_SEQ = 4;
export const P_WAITERS = 5;
/** Word where the ring's bytes start. */
export const P_RING = LINE_PAIR_WORDS;
export const PIPE_WORDS = P_RING + PIPE_RING_BYTES / 4;
export const PIPES_WORDS = PIPES_HEADER_WORDS + PIPE_SUBSCRIBERS * PIPE_WORDS;

// ---------------------------------------------------------------------------
// Page IPC (docs/objects/pages.md). Each task has a page space of H_PAGE_SPACE
// virtual pages (addresses are byte offsets, multiples of PAGE_BYTES),
// mapped in runs: a run is consecutive virtual pages mapping consecutive
// frames of the pool with the same rights. A frame is a page of the pool;
// FRAME_REFS counts the mapped pages and deliveries holding it, and it
// returns to the pool with the last.
//
// A page space is four tables of H_PAGE_SPACE words and a bitmap:
// - PS_HEADS: per virtual page, the first page of its run + 1 (0: unmapped);
// - at a run's first page (its head) only: PS_RUN_FRAMES, its first frame
//   + 1 with the rights bits (a "frame word"); PS_RUN_LENGTHS, its pages;
//   PS_RUN_TAGS, the delivery tag (delivery id + 1) while it holds pages
//   of a delivery whose handler has not decided yet, else 0 (an abandon
//   unmaps only these);
// - PS_MAPPED: one bit per virtual page, set while mapped (for finding free
//   ranges a word at a time).
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
export const DELIVERY_FREE = 0;
/** Sent, waiting for the receiver to take it. */
export const DELIVERY_PENDING = 1;
/** Mapped in the receiver's space, its handler deciding. */
export const DELIVERY_TAKEN = 2;

// ---------------------------------------------------------------------------
// Namespace entry record: binding, then the path bytes
export const N_USED = 0;
export const N_OBJECT = 1;
export const N_OBJECT_GEN = 2;
export const N_BINDER = 3;
export const N_LENGTH = 4;
export const N_PATH = 5;

// ---------------------------------------------------------------------------
// Namespace policy record, one per task slot: which prefixes the task may
// bind and connect to (objects/namespace/policy.ts). NP_CONFINED is 0 for an
// unrestricted task (every entry free), 1 for a confined one, whose every
// bind and connect must lie within an entry of the right kind. An entry is
// its kinds (0 = free), the prefix's length in bytes, then the prefix.
export const NP_CONFINED = 0;
export const NP_ENTRIES = 1;
export const NAMESPACE_POLICY_ENTRIES = 8;
export const NPE_KINDS = 0;
export const NPE_LENGTH = 1;
export const NPE_PATH = 2;
export const POLICY_BIND = 1;
export const POLICY_CONNECT = 2;

export function policyEntryWords(maxPathBytes: number): number {
  return NPE_PATH + Math.ceil(maxPathBytes / 4);
}
export function namespacePolicyWords(maxPathBytes: number): number {
  return NP_ENTRIES + NAMESPACE_POLICY_ENTRIES * policyEntryWords(maxPathBytes);
}

/** Rights (docs/objects/handle.md). */
export const RIGHT_READ = 1;
export const RIGHT_WRITE = 2;
export const RIGHT_EXECUTE = 4;
export const RIGHT_GRANT = 8;
export const RIGHT_REVOKE = 16;
export const RIGHTS_ALL = 31;

/** Ready events of HANDLE_WAIT. */
export const EVENT_READABLE = 1;
export const EVENT_WRITABLE = 2;
/** Not a HANDLE_WAIT event: what a caller blocked for its reply waits for (snapshot only). */
export const EVENT_REPLY = 4;

/** Limits a kernel is created with. See {@link KernelLimits} in the public API for their meaning. */
export interface Limits {
  maxTasks: number;
  maxObjects: number;
  maxHandles: number;
  messageSlots: number;
  maxCalls: number;
  namespaceEntries: number;
  maxPathBytes: number;
  pages: number;
  /** Page IPC: virtual pages per task, in-flight pages per sender, delivery records. */
  pageSpace: number;
  pageQuota: number;
  deliveries: number;
  spin: number;
  /** Threads allowed to spin at once; more than the cores only steals time from the thread being waited for. */
  maxSpinners: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxTasks: 64,
  maxObjects: 1024,
  maxHandles: 256,
  messageSlots: 8192,
  maxCalls: 1024,
  namespaceEntries: 128,
  maxPathBytes: 128,
  pages: 1024,
  pageSpace: 1024,
  pageQuota: 1024,
  deliveries: 256,
  spin: 50,
  maxSpinners: 1,
};

export interface Layout {
  messageBitmap: number;
  undo: number;
  undoEntries: number;
  tasks: number;
  objects: number;
  handles: number;
  messages: number;
  calls: number;
  callTables: number;
  namespace: number;
  namespaceWords: number;
  namespacePolicies: number;
  net: number;
  pipes: number;
  pageSpaces: number;
  handlerTypes: number;
  deliveries: number;
  frameRefs: number;
  pageBitmap: number;
  pages: number;
  totalWords: number;
}

export function namespaceEntryWords(maxPathBytes: number): number {
  return N_PATH + Math.ceil(maxPathBytes / 4);
}

/** The first word index at or after `at` that starts a pair of cache lines. */
function pairAligned(at: number): number {
  return Math.ceil(at / LINE_PAIR_WORDS) * LINE_PAIR_WORDS;
}

/**
 * Places every table. The undo log is sized for the largest single critical
 * section a task can run: revoking every handle, withdrawing a call from the
 * fullest queue, destroying every queue; and in page IPC, unmapping a
 * whole page space of one-page runs, or sending and dropping the fullest
 * deliveries of one-page runs (at most about ten log pairs per run: its
 * head table and holder count records, its run record, the mapped and pool
 * bitmaps, the counters).
 */
export function computeLayout(limits: Limits): Layout {
  const pageIpcEntries = limits.pageSpace * 12 + Math.max(limits.deliveries, limits.maxTasks) * (MAX_SEND_PAGES * 6 + 32);
  // A task's policy record is rewritten with one saved run (reap, spawn, narrowing).
  const policyEntries = namespacePolicyWords(limits.maxPathBytes);
  const undoEntries = 4096 + policyEntries + limits.maxTasks * limits.maxHandles * 16 + limits.messageSlots * (MESSAGE_SLOT_WORDS + 8) + limits.maxCalls * 8 + pageIpcEntries;
  let at = HEADER_WORDS;
  const messageBitmap = at;
  at += Math.ceil(limits.messageSlots / 32);
  const undo = at;
  at += undoEntries * 2;
  at = pairAligned(at);
  const tasks = at;
  at += limits.maxTasks * TASK_WORDS;
  at = pairAligned(at);
  const objects = at;
  at += limits.maxObjects * OBJECT_WORDS;
  const handles = at;
  at += limits.maxTasks * limits.maxHandles * HANDLE_WORDS;
  at = pairAligned(at);
  const messages = at;
  at += limits.messageSlots * MESSAGE_SLOT_WORDS;
  const calls = at;
  at += limits.maxCalls * CALL_WORDS;
  const callTables = at;
  at += limits.maxTasks * callTableEntries(limits.maxCalls);
  const namespace = at;
  const namespaceWords = namespaceEntryWords(limits.maxPathBytes);
  at += limits.namespaceEntries * namespaceWords;
  const namespacePolicies = at;
  at += limits.maxTasks * policyEntries;
  at = pairAligned(at);
  const net = at;
  at += NET_WORDS;
  at = pairAligned(at);
  const pipes = at;
  at += PIPES_WORDS;
  const pageSpaces = at;
  at += limits.maxTasks * pageSpaceWords(limits.pageSpace);
  const handlerTypes = at;
  at += limits.maxTasks * HANDLER_SLOTS;
  const deliveries = at;
  at += limits.deliveries * DELIVERY_WORDS;
  const frameRefs = at;
  at += limits.pages;
  const pageBitmap = at;
  at += Math.ceil(limits.pages / 32);
  // Pages start on a page boundary of the buffer.
  at = Math.ceil(at / PAGE_WORDS) * PAGE_WORDS;
  const pages = at;
  at += limits.pages * PAGE_WORDS;
  return { messageBitmap, undo, undoEntries, tasks, objects, handles, messages, calls, callTables, namespace, namespaceWords, namespacePolicies, net, pipes, pageSpaces, handlerTypes, deliveries, frameRefs, pageBitmap, pages, totalWords: at };
}
