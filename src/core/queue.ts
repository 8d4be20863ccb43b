/**
 * A bounded FIFO of 64-byte messages: the storage of a port (and later of a
 * channel), built as a two-lock ring.
 *
 * Each queue owns a ring of `capacity + 1` consecutive message slots taken
 * from the kernel's pool (a bitmap, first fit) when it is created. Senders
 * serialize on the queue's send lock and own the tail; receivers serialize on
 * its receive lock and own the head. A sender writes the slot at the tail,
 * then publishes it with one store of the new tail; a receiver copies the
 * slot at the head, then frees it with one store of the new head. So a
 * sender and a receiver never wait for each other, and a task killed at any
 * instruction leaves its half of the queue either as it was or complete.
 *
 * Whatever else a message involves (a call slot, a handle in flight) is done
 * under the kernel lock, which is always taken before a queue lock.
 */
import * as L from './layout.js';
import { EBADF, ENOMEM, EPIPE, WOULD_BLOCK } from './errno.js';
import type { Region } from './region.js';
import type { TaskContext } from './context.js';
import { dropTransfer, lookupTyped } from './handles.js';
import { findFreeRun, markRun } from './bitmap.js';
import { freeObjectPages } from './page-pool.js';
import { chargeCreator, creditCreator } from './quota.js';
import { objectKindOf, wakeObjectWaiters, wakePollers } from './object-table.js';
import { loadAfterAtomic, spinUntilChanged, storeRelease } from '../backend/words.js';

/**
 * Takes `capacity + 1` consecutive free message slots for the ring of queue
 * `o`, charged to its creator's message slots quota, and returns the first:
 * -ENOMEM when no run is long enough, -EDQUOT past the quota (nothing
 * taken). Lock held.
 */
export function allocRing(r: Region, o: number, capacity: number): number {
  const size = capacity + 1;
  const first = findFreeRun(r, r.messageBitmap, r.messageSlots, size);
  if (first < 0) return -ENOMEM;
  const refused = chargeCreator(r, o, L.QUOTA_MESSAGE_SLOTS, size);
  if (refused < 0) return refused;
  markRun(r, r.messageBitmap, first, size, true);
  r.add(L.H_MESSAGES_RESERVED, capacity);
  for (let m = first; m < first + size; m++) clearSlot(r, m);
  return first;
}

/** Returns the ring of queue `o` to the pool and credits its creator. Kernel lock held. */
export function freeRing(r: Region, o: number): void {
  const capacity = r.w[o + L.O_CAPACITY]!;
  markRun(r, r.messageBitmap, r.w[o + L.O_RING]!, capacity + 1, false);
  r.add(L.H_MESSAGES_RESERVED, -capacity);
  creditCreator(r, o, L.QUOTA_MESSAGE_SLOTS, capacity + 1);
}

/** A ring slot starts with a clean bookkeeping line: no call, no handle in flight. */
function clearSlot(r: Region, m: number): void {
  const at = r.message(m);
  r.set(at + L.M_CALL, 0);
  r.set(at + L.M_XFER_OBJECT, 0);
}

/** Empties queue `o` (its indices; the locks are as they were). Kernel lock held. */
export function clearQueueIndices(r: Region, o: number): void {
  for (const word of [L.O_HEAD, L.O_TAIL, L.O_CACHED_HEAD, L.O_CACHED_TAIL]) r.set(o + word, 0);
}

/** A new queue: empty, both locks free. Kernel lock held. */
export function resetQueue(r: Region, o: number): void {
  clearQueueIndices(r, o);
  r.set(o + L.O_SEND_LOCK, 0);
  r.set(o + L.O_RECV_LOCK, 0);
}

/**
 * Destroys a queue kept in the page pool (a channel, a ring's byte stream)
 * once nobody can reach it: takes both queue locks first, so that an op
 * already past its handle check finishes before the pages go back; then
 * wakes every waiter. Kernel lock held.
 */
export function destroyPagedQueue(r: Region, slot: number): void {
  const o = r.object(slot);
  lockQueue(r, o, L.O_SEND_LOCK);
  lockQueue(r, o, L.O_RECV_LOCK);
  freeObjectPages(r, o);
  clearQueueIndices(r, o);
  r.set(o + L.O_RING, -1);
  unlockQueue(r, o, L.O_RECV_LOCK);
  unlockQueue(r, o, L.O_SEND_LOCK);
  wakeObjectWaiters(r, o);
}

/** The ring index after `index` in queue `o`. */
export function nextIndex(r: Region, o: number, index: number): number {
  return index === r.w[o + L.O_CAPACITY] ? 0 : index + 1;
}

/** How many messages queue `o` holds. */
export function queueDepth(r: Region, o: number): number {
  const w = r.w;
  const depth = Atomics.load(w, o + L.O_TAIL) - Atomics.load(w, o + L.O_HEAD);
  return depth < 0 ? depth + w[o + L.O_CAPACITY]! + 1 : depth;
}

/** The message record at ring index `index` of queue `o`. */
export function slotAt(r: Region, o: number, index: number): number {
  return r.message(r.w[o + L.O_RING]! + index);
}

/**
 * Free slots in queue `o` (send lock held); records the wait for room and
 * returns WOULD_BLOCK when there are none. Reads the receivers' head only
 * when the cached one says the queue is full.
 */
export function roomOrWait(ctx: TaskContext, o: number): number {
  const r = ctx.r;
  const w = r.w;
  const capacity = w[o + L.O_CAPACITY]!;
  const tail = w[o + L.O_TAIL]!;
  let depth = tail - w[o + L.O_CACHED_HEAD]!;
  if (depth < 0) depth += capacity + 1;
  if (depth < capacity) return capacity - depth;
  const writeSeq = Atomics.load(w, o + L.O_WRITE_SEQ);
  const head = Atomics.load(w, o + L.O_HEAD);
  w[o + L.O_CACHED_HEAD] = head;
  depth = tail - head;
  if (depth < 0) depth += capacity + 1;
  if (depth < capacity) return capacity - depth;
  return ctx.blockOnQueue(o, L.EVENT_WRITABLE, writeSeq, head);
}

/**
 * The tail a receiver of queue `o` (receive lock held) may take messages up
 * to: the cached tail when it shows messages, else the senders' published
 * one, which is then cached. -1 when the queue is empty, with the wait for
 * a message recorded in `ctx` (for a blocking caller to park on).
 */
export function tailToReceive(ctx: TaskContext, o: number): number {
  const w = ctx.r.w;
  const head = w[o + L.O_HEAD]!;
  let tail = w[o + L.O_CACHED_TAIL]!;
  if (head !== tail) return tail;
  // The cached tail says empty: look at the senders' line (after the receive lock's compareExchange).
  tail = loadAfterAtomic(w, o + L.O_TAIL);
  if (head === tail) {
    // Empty: read the event word, then the tail a waiter is checked at.
    const readSeq = Atomics.load(w, o + L.O_READ_SEQ);
    tail = Atomics.load(w, o + L.O_TAIL);
    if (head === tail) {
      ctx.blockOnQueue(o, L.EVENT_READABLE, readSeq, tail);
      return -1;
    }
  }
  w[o + L.O_CACHED_TAIL] = tail;
  return tail;
}

/**
 * Publishes the message written at the tail (send lock held) with one
 * release store, after the message's stores. Receivers parked for it are
 * woken when the send lock is released: that exchange comes after this
 * store, so a receiver that flagged the lock after it sees the tail.
 */
export function publishTail(r: Region, o: number, next: number): void {
  storeRelease(r.w, o + L.O_TAIL, next);
}

/** Frees the slots before `next` at the head (receive lock held) with one release store; parked senders wake at the unlock. */
export function advanceHead(r: Region, o: number, next: number): void {
  storeRelease(r.w, o + L.O_HEAD, next);
}

/**
 * Whether a task parked on queue `o` for `event` (EVENT_READABLE needing
 * `need` units queued, or EVENT_WRITABLE needing `need` units of room;
 * Infinity: none will do) should look again: the
 * event is ready or the queue is destroyed. Reads fresh values, so an index
 * that went round the ring and back is not mistaken for no change.
 */
export function queueReady(r: Region, o: number, event: number, need = 1): boolean {
  if (Atomics.load(r.w, o + L.O_FLAGS) & L.OBJECT_FLAG_DESTROYED) return true;
  const depth = queueDepth(r, o);
  return event === L.EVENT_READABLE ? depth >= need : r.w[o + L.O_CAPACITY]! - depth >= need;
}

/**
 * Takes messages out of queue `o` as if they had never been sent: from ring
 * index `from` to the tail, every message for which `remove(at)` (given the
 * message record) is true. The messages kept move back over the gaps in one
 * pass, in order, and the tail retreats; calls among them have their call
 * slots told where they now are. A removed message's handle in flight is
 * released; `remove` settles its call, if it has one. Kernel lock and both
 * queue locks held. Costs one logged slot copy per message kept behind the
 * first one removed (at most the queue's capacity), however many go: a dead
 * task's calls on one port are withdrawn in one pass, not one pass each.
 * Returns how many messages were removed.
 */
export function compactRing(r: Region, o: number, from: number, remove: (at: number) => boolean): number {
  const w = r.w;
  const tail = w[o + L.O_TAIL]!;
  const ring = w[o + L.O_RING]!;
  let kept = from;
  let removed = 0;
  for (let index = from; index !== tail; index = nextIndex(r, o, index)) {
    const at = slotAt(r, o, index);
    if (remove(at)) {
      dropTransfer(r, at);
      removed++;
      continue;
    }
    if (kept !== index) {
      const to = slotAt(r, o, kept);
      r.saveRange(to, L.MESSAGE_SLOT_WORDS);
      w.copyWithin(to, at, at + L.MESSAGE_SLOT_WORDS);
      const call = w[to + L.M_CALL]!;
      if (call !== 0) r.set(r.call(call - 1) + L.C_MESSAGE, ring + kept);
    }
    kept = nextIndex(r, o, kept);
  }
  if (removed === 0) return 0;
  // The slots vacated at the end keep no call or handle of their own.
  for (let index = kept; index !== tail; index = nextIndex(r, o, index)) {
    const at = slotAt(r, o, index);
    if (w[at + L.M_CALL] !== 0) r.set(at + L.M_CALL, 0);
    if (w[at + L.M_XFER_OBJECT] !== 0) r.set(at + L.M_XFER_OBJECT, 0);
  }
  r.set(o + L.O_TAIL, kept);
  // Receivers' cached tail may lie past the new tail: make them look again.
  r.set(o + L.O_CACHED_TAIL, w[o + L.O_HEAD]!);
  r.bumpAndWake(o + L.O_WRITE_SEQ);
  return removed;
}

/**
 * The record of the queue object (of `type`: port, channel, ring) handle `h`
 * names, with queue lock `which` (O_SEND_LOCK or O_RECV_LOCK) held, when the
 * handle has `right`; else -errno with nothing locked. The handle is checked
 * again once the lock is held, so a revoke or destroy in between is seen.
 * Senders also get -EPIPE for a destroyed object (receivers find out once it
 * is empty). WOULD_BLOCK, with nothing locked, when the lock is busy and
 * `ctx` parks on busy locks (see {@link lockQueue}). No kernel lock needed.
 */
export function lockObjectQueue(ctx: TaskContext, h: number, type: number, right: number, which: number): number {
  const r = ctx.r;
  const w = r.w;
  const e = lookupTyped(r, ctx.slot, h, type, right);
  if (e < 0) return e;
  const objectPlusOne = w[e + L.HD_OBJECT]!;
  const o = r.object(objectPlusOne - 1);
  const gen = w[e + L.HD_OBJECT_GEN]!;
  const handleGen = w[e + L.HD_GEN]!;
  if (!lockQueue(r, o, which, ctx)) return WOULD_BLOCK;
  let result = o;
  if (w[e + L.HD_OBJECT] !== objectPlusOne || w[e + L.HD_GEN] !== handleGen || w[o + L.O_GEN] !== gen) result = -EBADF;
  else if (which === L.O_SEND_LOCK && w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) result = -EPIPE;
  if (result < 0) unlockQueue(r, o, which);
  return result;
}

/**
 * Ready events of a queue object (port, channel, ring) among `interest`, for
 * a handle entry with `rights`: READABLE when non-empty and the handle can
 * read, WRITABLE when there is room and it can write. A channel is also
 * READABLE once it has no senders left and WRITABLE once it has no
 * receivers, and a shut-down ring both (the op then returns at once: EPIPE,
 * or the end of the stream). A destroyed object reports
 * -EPIPE. When none is ready, records the wait (on the tail for readable,
 * the head for writable) and returns 0; a handle that can see neither waits
 * for destruction (or its close): its wait is readable with no amount
 * enough, or a message queued would wake it at once for ever (a busy loop,
 * or in the async form an endless chain of promise jobs). Kernel lock held.
 */
export function queueEvents(ctx: TaskContext, slot: number, rights: number, interest: number): number {
  const r = ctx.r;
  const o = r.object(slot);
  const w = r.w;
  const readSeq = Atomics.load(w, o + L.O_READ_SEQ);
  const writeSeq = Atomics.load(w, o + L.O_WRITE_SEQ);
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return -EPIPE;
  const depth = queueDepth(r, o);
  const canRead = (rights & L.RIGHT_READ) !== 0 && (interest & L.EVENT_READABLE) !== 0;
  const canWrite = (rights & L.RIGHT_WRITE) !== 0 && (interest & L.EVENT_WRITABLE) !== 0;
  let events = 0;
  // Ends the next op reports at once (EPIPE, or a ring's end of stream) count as ready.
  // Only a ring is ever shut down; only a type that counts its ends (a channel) can run out of them.
  const shut = (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_RING_SHUT) !== 0;
  const countsEnds = objectKindOf(w[o + L.O_TYPE]!)?.countsEnds === true;
  const noWriters = shut || (countsEnds && w[o + L.O_WRITERS] === 0);
  const noReaders = shut || (countsEnds && w[o + L.O_READERS] === 0);
  if (canRead && (depth > 0 || noWriters)) events |= L.EVENT_READABLE;
  if (canWrite && (depth < w[o + L.O_CAPACITY]! || noReaders)) events |= L.EVENT_WRITABLE;
  if (events !== 0) return events;
  if (canRead) ctx.blockOnQueue(o, L.EVENT_READABLE, readSeq, Atomics.load(w, o + L.O_TAIL));
  else if (!canWrite) ctx.blockOnQueue(o, L.EVENT_READABLE, readSeq, Atomics.load(w, o + L.O_TAIL), Infinity);
  else ctx.blockOnQueue(o, L.EVENT_WRITABLE, writeSeq, Atomics.load(w, o + L.O_HEAD));
  return 0;
}

// --- queue locks -----------------------------------------------------------

/** How long a thread parked on a queue lock sleeps before it looks again. */
const QUEUE_LOCK_PARK_MS = 20;

/**
 * Thrown by {@link lockQueue} to a thread holding the kernel lock when a
 * queue lock's holder is dead (its repair must commit on its own, which only
 * the supervisor does, in a critical section of its own) or, in the
 * supervisor, when the lock stays busy (the supervisor must never block for
 * long: it is the thread that learns of deaths). The caller undoes its
 * critical section, frees the kernel lock and tries again a little later.
 */
export class QueueLockBusy extends Error {}

/** How long the supervisor waits for a queue lock before it backs off. */
const SUPERVISOR_QUEUE_WAIT_MS = 5;

/**
 * Takes the send (O_SEND_LOCK) or receive (O_RECV_LOCK) lock of queue `o`;
 * true once held.
 * A thread without the kernel lock waits while the holder works, and, if the
 * holder died, until the supervisor has repaired the queue. A thread holding
 * the kernel lock gets {@link QueueLockBusy} instead of waiting for a dead
 * holder (the supervisor needs the kernel lock to repair).
 * With `ctx` whose op runs under a blocking driver
 * ({@link TaskContext.lockWaitParks}), a lock still busy after a short spin
 * is not waited for here: the wait is recorded in `ctx` and the answer is
 * false, for the op to return WOULD_BLOCK (after undoing its critical
 * section, if it holds the kernel lock) and the driver to park with the
 * op's deadline and signal. Nothing that can throw runs under a queue lock
 * (callers read and check their arguments first), so every holder lets go
 * within one bounded critical section or dies; the deadline bounds the wait
 * for a holder that misbehaves even so.
 */
export function lockQueue(r: Region, o: number, which: number, ctx?: TaskContext): boolean {
  if (r.closedError !== undefined) throw r.closedError();
  const w = r.w;
  const word = o + which;
  const tag = r.lockTag;
  if (Atomics.compareExchange(w, word, 0, tag) === 0) return true;
  const supervisor = tag > r.maxTasks;
  const holdsKernelLock = Atomics.load(w, L.H_LOCK) === tag;
  const giveUpAt = supervisor ? performance.now() + SUPERVISOR_QUEUE_WAIT_MS : Infinity;
  const parks = ctx !== undefined && ctx.lockWaitParks;
  for (;;) {
    const value = Atomics.load(w, word);
    const holder = value & L.QUEUE_LOCK_TAG_MASK;
    if (holder === 0) {
      // Free, perhaps with flags of waiters: keep them for our release.
      if (Atomics.compareExchange(w, word, value, value | tag) === value) return true;
      continue;
    }
    if ((holdsKernelLock && holderIsDead(r, holder)) || performance.now() > giveUpAt) throw new QueueLockBusy();
    if (spinUntilChanged(w, word, value, r.spin)) continue;
    const contended = value | L.QUEUE_LOCK_CONTENDED;
    if (value !== contended && Atomics.compareExchange(w, word, value, contended) !== value) continue;
    if (parks) {
      ctx.blockOnLock(word, contended);
      return false;
    }
    // The release wakes us; the timeout is for a holder that dies before it can.
    r.backend.wait(w, word, contended, supervisor ? 1 : QUEUE_LOCK_PARK_MS);
    // A queue lock held by init's process when it died is never freed.
    r.assertOpen();
  }
}

/**
 * Runs `attempt` (a critical section under the kernel lock that may take
 * queue locks) until it does not meet a dead queue-lock holder: on
 * {@link QueueLockBusy} its stores are undone, the locks it holds freed, and
 * after a millisecond (time for the supervisor to repair) it runs again.
 * Task threads only.
 */
export function withQueueRetry<A, B, C, D, E>(r: Region, attempt: (a: A, b: B, c: C, d: D, e: E) => number, a: A, b: B, c: C, d: D, e: E): number {
  for (;;) {
    try {
      return attempt(a, b, c, d, e);
    } catch (error) {
      if (!(error instanceof QueueLockBusy)) throw error;
      r.rollback();
      releaseQueueLocksOf(r, r.lockTag);
      r.unlock();
      r.backend.pause(1);
    }
  }
}

/** Takes queue lock `which`, whose word reads `value`, from its dead holder and repairs what it left. Kernel lock held. */
function takeOverQueueLock(r: Region, o: number, which: number, value: number): boolean {
  const mine = (value & ~L.QUEUE_LOCK_TAG_MASK) | r.lockTag;
  if (Atomics.compareExchange(r.w, o + which, value, mine) !== value) return false;
  recoverQueue(r, o, which);
  return true;
}

/**
 * Releases queue lock `which` with one exchange and wakes whoever flagged
 * the word: threads waiting for the lock, and the other side's tasks parked
 * for what this side committed (its index was published before: a waiter
 * that flagged the word after this exchange sees it when it re-checks).
 */
export function unlockQueue(r: Region, o: number, which: number): void {
  const w = r.w;
  const released = Atomics.exchange(w, o + which, 0);
  if ((released & L.QUEUE_LOCK_FLAGS) === 0) return;
  if (released & L.QUEUE_LOCK_CONTENDED) r.wakeAll(o + which);
  if (released & L.QUEUE_PEERS_WAITING) {
    r.bumpAndWake(o + (which === L.O_SEND_LOCK ? L.O_READ_SEQ : L.O_WRITE_SEQ));
    wakePollers(r);
  }
}

/** Whether the task whose lock tag is `tag` has stopped for good. */
function holderIsDead(r: Region, tag: number): boolean {
  if (tag < 1 || tag > r.maxTasks) return false;
  const state = Atomics.load(r.w, r.task(tag - 1) + L.T_STATE);
  return state === L.TASK_DYING || state === L.TASK_EXITED;
}

/**
 * Finishes or undoes what a dead holder of queue lock `which` left (kernel
 * lock held; the caller now holds the queue lock):
 * - a sender may have committed a handle in flight or a call into the
 *   unpublished tail slot under the kernel lock: drop the handle and detach
 *   the call from the slot (the send never happened; the reaper frees the
 *   call of its dead caller);
 * - a receiver may have committed taking a call or handle (sender pid 0) without
 *   advancing the head: advance it (the receive happened).
 */
function recoverQueue(r: Region, o: number, which: number): void {
  const w = r.w;
  // Channels and ring streams commit with one index store: nothing half-done to repair.
  if (w[o + L.O_TYPE] !== L.OBJ_PORT) return;
  if (which === L.O_SEND_LOCK) {
    const tail = w[o + L.O_TAIL]!;
    const at = slotAt(r, o, tail);
    dropTransfer(r, at);
    // A call committed into this unpublished slot is not in the queue: its
    // slot goes to the next sender, so the call must stop pointing at it
    // (the reaper then just frees the call instead of withdrawing a stranger's message).
    const call = w[at + L.M_CALL]!;
    if (call !== 0) {
      const c = r.call(call - 1);
      if (w[c + L.C_STATE] === L.CALL_QUEUED && w[c + L.C_MESSAGE] === w[o + L.O_RING]! + tail) r.set(c + L.C_MESSAGE, -1);
      r.set(at + L.M_CALL, 0);
    }
    return;
  }
  const head = w[o + L.O_HEAD]!;
  const tail = Atomics.load(w, o + L.O_TAIL);
  if (head === tail) return;
  if (w[slotAt(r, o, head) + L.M_SENDER_PID] === 0) {
    // Receivers' cached tail must not fall behind the head they find.
    r.set(o + L.O_CACHED_TAIL, tail);
    advanceHead(r, o, nextIndex(r, o, head));
  }
}

/**
 * If a dead task holds either lock of queue `o`, takes it over, repairs and
 * releases it. Never waits. Kernel lock held.
 */
export function recoverQueueLocks(r: Region, o: number): void {
  for (const which of [L.O_SEND_LOCK, L.O_RECV_LOCK]) {
    const value = Atomics.load(r.w, o + which);
    const holder = value & L.QUEUE_LOCK_TAG_MASK;
    if (holder !== 0 && holderIsDead(r, holder) && takeOverQueueLock(r, o, which, value)) unlockQueue(r, o, which);
  }
}

/** Whether objects of `type` have a queue (and so queue locks): see ObjectKind.hasQueue. */
export function hasQueue(type: number): boolean {
  return objectKindOf(type)?.hasQueue === true;
}

/** Releases every queue lock held by `tag` (the supervisor backing off). */
export function releaseQueueLocksOf(r: Region, tag: number): void {
  for (let slot = 0; slot < r.maxObjects; slot++) {
    const o = r.object(slot);
    if (!hasQueue(r.w[o + L.O_TYPE]!)) continue;
    for (const which of [L.O_SEND_LOCK, L.O_RECV_LOCK]) {
      if ((Atomics.load(r.w, o + which) & L.QUEUE_LOCK_TAG_MASK) === tag) unlockQueue(r, o, which);
    }
  }
}
