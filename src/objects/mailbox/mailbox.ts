/**
 * Mailboxes (rou2exOS, docs/objects/mailbox.md): every task can have one, a bounded
 * queue of MAILBOX_CAPACITY byte messages, each in a buffer of its own (the
 * seed queued pointers to one shared buffer, so a second send overwrote the
 * first message's payload). Any task sends to a pid; only the owner
 * receives. The network interface delivers Ethernet frames into mailboxes
 * too, and its transmit queue is a mailbox owned by the kernel.
 *
 * A mailbox is a kernel object (OBJ_MAILBOX) with a queue in the page pool,
 * run by the same two-lock ring as channels (queue.ts): a send takes only
 * the send lock, a receive only the receive lock, each commits with one
 * index store, so a task killed anywhere leaves the mailbox as it was or
 * with its message whole. It has no handles: the task record names it
 * (T_MAILBOX) and holds its one reference, dropped when the task is reaped.
 *
 * Fixed here, from the seed's bugs: a full mailbox refuses with EAGAIN and
 * counts the refusal (never a silent drop); a blocking receive really
 * sleeps and the wake-up cannot be lost (the receiver flags the send lock
 * before it parks, and re-checks); pids are checked with their generation,
 * so a dead task's pid never reaches a new task; the whole buffer range is
 * bounds-checked; a length of 0 is refused, so that 0 from a non-blocking
 * receive always means "empty".
 */
import * as L from '../../core/layout.js';
import { EAGAIN, EFAULT, EINVAL, ENOMEM, ESRCH, WOULD_BLOCK } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, inBounds } from '../../core/copy.js';
import { allocObject, releaseRef } from '../../core/object-table.js';
import { allocObjectPages, pagesFor } from '../../core/page-pool.js';
import { liveSlotOf } from '../../core/task-table.js';
import { advanceHead, lockQueue, nextIndex, publishTail, queueDepth, resetQueue, roomOrWait, tailToReceive, unlockQueue } from '../../core/queue.js';

/** What the last successful mailbox receive of a task took, besides the payload. */
export interface MailInfo {
  /** Sender pid; 0 for a frame from the network interface. */
  sender: number;
  /** MAIL_KIND_DATA or MAIL_KIND_FRAME. */
  kind: number;
}

/** Per-thread record of the last receive (a mailbox has one receiver: its owner's thread). */
const lastTaken: MailInfo = { sender: 0, kind: 0 };

/** Sender and kind of the message the calling thread's last successful mailbox receive took. */
export function lastMailInfo(): Readonly<MailInfo> {
  return lastTaken;
}

/**
 * Creates a mailbox object of `capacity` slots owned by `ownerPid`, with one
 * reference (its owner's). Kernel lock held. Returns the object slot, or
 * -ENOMEM (no object slot, or not enough free pages).
 */
export function createMailboxObject(r: Region, ownerPid: number, capacity: number): number {
  // One per task, sized by the kernel: charged to nobody (docs/quotas.md).
  const slot = allocObject(r, L.OBJ_MAILBOX, ownerPid, 0);
  if (slot < 0) return slot;
  const o = r.object(slot);
  const pages = pagesFor((capacity + 1) * L.MAILBOX_SLOT_WORDS * 4);
  const first = allocObjectPages(r, o, pages);
  if (first < 0) return first;
  r.set(o + L.O_CAPACITY, capacity);
  r.set(o + L.O_SLOT_WORDS, L.MAILBOX_SLOT_WORDS);
  r.set(o + L.O_MAX_BYTES, L.FRAME_MAX_BYTES);
  r.set(o + L.O_MAILBOX_REFUSED, 0);
  r.set(o + L.O_REFS, 1);
  resetQueue(r, o);
  return slot;
}

/**
 * Gives task `slot` its mailbox if it has none. Kernel lock held (the caller
 * fails the critical section on an error). Returns 0 or -ENOMEM.
 */
export function ensureMailboxLocked(r: Region, slot: number): number {
  const t = r.task(slot);
  if (r.w[t + L.T_MAILBOX] !== 0) return 0;
  const mailbox = createMailboxObject(r, r.w[t + L.T_PID]!, L.MAILBOX_CAPACITY);
  if (mailbox < 0) return mailbox;
  r.set(t + L.T_MAILBOX, mailbox + 1);
  return 0;
}

/** Gives live task `pid` a mailbox if it has none. 0, -ESRCH (not a live task) or -ENOMEM. */
function ensureMailbox(r: Region, pid: number): number {
  r.lock();
  const slot = liveSlotOf(r, pid);
  if (slot < 0) return r.fail(-ESRCH);
  const result = ensureMailboxLocked(r, slot);
  return result < 0 ? r.fail(result) : r.unlockWith(0);
}

/** Drops task `slot`'s mailbox (reaping it): queued messages are discarded, blocked senders wake. Kernel lock held. */
export function releaseMailbox(r: Region, slot: number): void {
  const t = r.task(slot);
  const mailbox = r.w[t + L.T_MAILBOX]!;
  if (mailbox === 0) return;
  r.set(t + L.T_MAILBOX, 0);
  releaseRef(r, mailbox - 1);
}


/**
 * Takes queue lock `which` of live task `pid`'s mailbox, giving the task a
 * mailbox first if it has none. Returns the mailbox record, or -ESRCH (no
 * live task has this pid: unknown, exited, or a stale pid) or -ENOMEM.
 * Checked again under the lock: a task reaped in between is seen.
 */
function lockMailboxOf(r: Region, pid: number, which: number): number {
  const w = r.w;
  for (let attempt = 0; ; attempt++) {
    const slot = liveSlotOf(r, pid);
    if (slot < 0) return -ESRCH;
    const t = r.task(slot);
    const mailbox = Atomics.load(w, t + L.T_MAILBOX);
    if (mailbox === 0) {
      const made = attempt === 0 ? ensureMailbox(r, pid) : -ENOMEM;
      if (made < 0) return made;
      continue;
    }
    const o = r.object(mailbox - 1);
    lockQueue(r, o, which);
    if (liveSlotOf(r, pid) === slot && Atomics.load(w, t + L.T_MAILBOX) === mailbox && !(w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED)) return o;
    unlockQueue(r, o, which);
    return -ESRCH;
  }
}

/** Word index of slot `index` of mailbox `o`. */
function mailSlot(r: Region, o: number, index: number): number {
  return r.page(r.w[o + L.O_RING]!) + index * L.MAILBOX_SLOT_WORDS;
}

/**
 * Puts `length` bytes at `offset` of `src` into mailbox `o` (send lock
 * held) as a message from `sender` of `kind`. 0, or WOULD_BLOCK (wait for
 * room recorded) when it is full.
 */
export function putLocked(ctx: TaskContext, o: number, src: Uint8Array, offset: number, length: number, sender: number, kind: number): number {
  const r = ctx.r;
  const w = r.w;
  const room = roomOrWait(ctx, o);
  if (room < 0) return room;
  const tail = w[o + L.O_TAIL]!;
  const at = mailSlot(r, o, tail);
  w[at + L.MB_LENGTH] = length;
  w[at + L.MB_SENDER] = sender;
  w[at + L.MB_KIND] = kind;
  r.bytes.set(src.subarray(offset, offset + length), (at + L.MB_PAYLOAD) * 4);
  publishTail(r, o, nextIndex(r, o, tail));
  return 0;
}

/** Counts a refused put (full) in mailbox `o`. */
export function countRefused(r: Region, o: number): void {
  Atomics.add(r.w, o + L.O_MAILBOX_REFUSED, 1);
}

/**
 * One try of send_data: copies `length` bytes at `offset` of `src` into the
 * mailbox of task `pid` as a message from the caller, waking it if it waits.
 * Returns 0. While the mailbox is full: -EAGAIN (counted as a refusal), or
 * WOULD_BLOCK (wait recorded) when `blocking` (the typed API's waiting send).
 * Errors: EINVAL `length` not in 1..MAILBOX_MESSAGE_BYTES; EFAULT the bytes
 * lie outside `src`; ESRCH no live task has this pid; ENOMEM the target had
 * no mailbox yet and there is no room for one.
 */
export function mailboxSend(ctx: TaskContext, pid: number, src: MessageMemory, offset: number, length: number, blocking: boolean): number {
  if (!Number.isInteger(length) || length < 1 || length > L.MAILBOX_MESSAGE_BYTES) return -EINVAL;
  if (!inBounds(src, offset, length)) return -EFAULT;
  const result = putInMailboxOf(ctx, pid, src.bytes, offset, length, ctx.pid, L.MAIL_KIND_DATA, blocking);
  if (result === 0) ctx.r.w[ctx.record + L.T_SENDS] += 1;
  return result;
}

/**
 * Puts `length` bytes (already checked) at `offset` of `src` into the
 * mailbox of task `pid` as a message from `sender` of `kind`. 0; when full,
 * -EAGAIN (the refusal counted in the mailbox) or, when `blocking`,
 * WOULD_BLOCK with the wait recorded. Errors: ESRCH, ENOMEM as
 * {@link mailboxSend}.
 */
export function putInMailboxOf(ctx: TaskContext, pid: number, src: Uint8Array, offset: number, length: number, sender: number, kind: number, blocking: boolean): number {
  const r = ctx.r;
  const o = lockMailboxOf(r, pid, L.O_SEND_LOCK);
  if (o < 0) return o;
  const result = putLocked(ctx, o, src, offset, length, sender, kind);
  unlockQueue(r, o, L.O_SEND_LOCK);
  if (result === 0 || blocking) return result;
  countRefused(r, o);
  return -EAGAIN;
}

/**
 * Takes the oldest message of mailbox `o` (receive lock held) into `dst` at
 * `offset`: returns its length (>= 1) and records its sender and kind
 * ({@link lastMailInfo}). When empty: -1 with the wait for a message
 * recorded. EFAULT (message left queued) when `dst` cannot hold it.
 */
export function takeLocked(ctx: TaskContext, o: number, dst: MessageMemory, offset: number): number {
  const r = ctx.r;
  const w = r.w;
  const tail = tailToReceive(ctx, o);
  if (tail < 0) return -1;
  const head = w[o + L.O_HEAD]!;
  const at = mailSlot(r, o, head);
  const length = w[at + L.MB_LENGTH]!;
  if (!inBounds(dst, offset, length)) return -EFAULT;
  const from = (at + L.MB_PAYLOAD) * 4;
  dst.bytes.set(r.bytes.subarray(from, from + length), offset);
  lastTaken.sender = w[at + L.MB_SENDER]!;
  lastTaken.kind = w[at + L.MB_KIND]!;
  advanceHead(r, o, nextIndex(r, o, head));
  return length;
}

/**
 * One try of receive_data on the caller's own mailbox (created on first
 * use): copies the oldest message to `dst` at `offset` and returns its
 * length (>= 1; a frame's length for a network frame); its sender and kind
 * are then {@link lastMailInfo}. When empty: 0 (`blocking` false: the ABI's
 * mode 0) or WOULD_BLOCK with the wait recorded.
 * Errors: EFAULT `dst` cannot hold the whole message (it stays queued);
 * ENOMEM the caller had no mailbox and there is no room for one.
 */
export function mailboxReceive(ctx: TaskContext, dst: MessageMemory, offset: number, blocking: boolean): number {
  const r = ctx.r;
  if (!inBounds(dst, offset, 0)) return -EFAULT;
  const o = lockMailboxOf(r, ctx.pid, L.O_RECV_LOCK);
  if (o < 0) return o;
  const result = takeLocked(ctx, o, dst, offset);
  unlockQueue(r, o, L.O_RECV_LOCK);
  if (result > 0) r.w[ctx.record + L.T_RECEIVES] += 1;
  if (result !== -1) return result;
  return blocking ? WOULD_BLOCK : 0;
}

/** Messages queued in the caller's mailbox right now (0 when it has none). */
export function mailboxDepth(ctx: TaskContext): number {
  const mailbox = Atomics.load(ctx.r.w, ctx.record + L.T_MAILBOX);
  return mailbox === 0 ? 0 : queueDepth(ctx.r, ctx.r.object(mailbox - 1));
}
