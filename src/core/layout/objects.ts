/**
 * The object table: maxObjects records of OBJECT_WORDS words (from
 * H_OFF_OBJECTS, starting on a pair of cache lines), one per kernel object:
 * port, channel, ring, semaphore, mailbox (OBJ_* below). Free records chain
 * through O_NEXT_FREE from H_OBJECT_FREE.
 *
 * Objects are created and freed under the kernel lock (object-table.ts,
 * objects/create.ts), and their identity pair changes only under it. The
 * queue pairs belong to the queue's two sides: the tail side under the
 * send lock, the head side under the receive lock (the lock words and
 * their flags: queues.ts); a semaphore's count changes under the kernel
 * lock.
 *
 * A record is five pairs of cache lines. Pair 0 is the object's identity,
 * read by everyone and written rarely. A queue's senders own pairs 1 and 2,
 * its receivers pairs 3 and 4: a side's published index (read by the other
 * side) and its lock (touched by the other side only to flag a waiter) lie
 * in different pairs, so with one task on each side nothing moves between
 * them but the index and the messages.
 */
import { LINE_PAIR_WORDS } from './cache-lines.js';

// Pair 0: identity.
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
/** A buffer's length in bytes (its pages hold that many, then zeros). */
export const O_BUFFER_BYTES = 15;
/**
 * Pid of the task charged for this object and what it reserves (its
 * creator; docs/quotas.md), 0 for nobody (a task's mailbox). Credited only
 * while that pid is live, so a reused task slot is never credited.
 */
export const O_CREATOR = 16;
/**
 * The tag of the codec a channel's values are encoded with (0: bytes or
 * messages; src/api/codec.ts): recorded at creation, so an end wrapped
 * later decodes with the same codec or is refused.
 */
export const O_CODEC = 17;

/** Pair 1, senders' published pair: the tail, and the event word receivers park on. */
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
/** Pair 2, senders' own pair. Receivers waiting for a message flag themselves on the lock. */
export const O_SEND_LOCK = 2 * LINE_PAIR_WORDS;
/** The head as senders last read it (a lower bound of the real one): saves reading the receivers' line. */
export const O_CACHED_HEAD = O_SEND_LOCK + 1;

/** Pair 3, receivers' published pair: the head, and the event word senders park on. */
export const O_HEAD = 3 * LINE_PAIR_WORDS;
/** Bumped when the receive lock is released with QUEUE_PEERS_WAITING set. */
export const O_WRITE_SEQ = O_HEAD + 1;
/** Pair 4, receivers' own pair. Senders waiting for room flag themselves on the lock. */
export const O_RECV_LOCK = 4 * LINE_PAIR_WORDS;
/** The tail as receivers last read it. */
export const O_CACHED_TAIL = O_RECV_LOCK + 1;
export const OBJECT_WORDS = 5 * LINE_PAIR_WORDS;

/** O_FLAGS bits. */
export const OBJECT_FLAG_DESTROYED = 1;
/** A ring's byte stream was shut down by a writer: no more bytes will come. */
export const OBJECT_FLAG_RING_SHUT = 2;

/** Resource types (Strat9's numbers), the values of O_TYPE. */
export const OBJ_FREE = 0;
export const OBJ_PORT = 4;
export const OBJ_CHANNEL = 5;
export const OBJ_RING = 6;
export const OBJ_SEMAPHORE = 7;
/** kipc's own types: a task's mailbox (rou2exOS, docs/objects/mailbox.md). */
export const OBJ_MAILBOX = 8;
/** A buffer: sealed bytes in pool pages, a value's out-of-line payload (docs/objects/buffer.md). */
export const OBJ_BUFFER = 9;

/** Channel capacity through CHAN_CREATE is clamped to 1..CHANNEL_MAX_CAPACITY (docs/syscalls/chan_create.md). */
export const CHANNEL_MAX_CAPACITY = 1024;
