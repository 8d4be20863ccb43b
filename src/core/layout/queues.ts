/**
 * Queue lock words. Every queue (a port's ring of message slots; a
 * channel's, a mailbox's or a ring's byte stream in pool pages) has two
 * locks in its object record: O_SEND_LOCK, whose holder owns the tail, and
 * O_RECV_LOCK, whose holder owns the head (objects.ts; the protocol is
 * src/core/queue.ts and docs/design.md, "Queues: a two-lock ring"). They
 * are taken and released with atomics, after the kernel lock when both
 * are needed (always kernel lock, send lock, receive lock).
 *
 * A queue lock word holds the lock tag of its holder (0 when free) and two
 * flags, so that releasing it is one atomic exchange that also says whom to
 * wake:
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
