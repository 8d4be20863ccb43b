/**
 * The keyboard pipe of the rou2exOS personality (docs/objects/keyboard-pipe.md): up to
 * PIPE_SUBSCRIBERS tasks subscribe to scancodes; the keyboard device writes
 * every scancode byte into each subscriber's ring of PIPE_RING_BYTES; a
 * full ring drops the new byte and counts it; a subscriber reads its ring
 * without blocking (the typed API can also wait for bytes).
 *
 * Each ring has one producer, the device, which delivers under the kernel
 * lock (so a subscription never changes under it), and one consumer, its
 * subscriber, which reads without the lock: the producer writes bytes, then
 * publishes the tail; the consumer copies, then publishes the head.
 * Subscriptions are released when their task is reaped.
 */
import * as L from '../../core/layout.js';
import { EEXIST, EFAULT, EINVAL, ENOENT, ENOSPC } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, inBounds } from '../../core/copy.js';
import { liveSlotOf } from '../../core/task-table.js';

/** pipe ops (syscall 0x03). */
export const PIPE_SUBSCRIBE = 1;
export const PIPE_UNSUBSCRIBE = 2;
export const PIPE_READ = 3;
/** Bytes a read copies when the caller gives no length. */
export const PIPE_DEFAULT_READ_BYTES = 16;

/** The subscriber record of `pid`, or -1. */
function subscriptionOf(r: Region, pid: number): number {
  for (let i = 0; i < L.PIPE_SUBSCRIBERS; i++) {
    const p = r.pipe(i);
    if (Atomics.load(r.w, p + L.P_PID) === pid) return p;
  }
  return -1;
}

/**
 * Subscribes the caller to keyboard scancodes with an empty ring. Returns 0.
 * Errors: EEXIST already subscribed; ENOSPC all PIPE_SUBSCRIBERS records
 * are held by live tasks.
 */
export function pipeSubscribe(ctx: TaskContext): number {
  const r = ctx.r;
  const w = r.w;
  r.lock();
  if (subscriptionOf(r, ctx.pid) >= 0) return r.fail(-EEXIST);
  for (let i = 0; i < L.PIPE_SUBSCRIBERS; i++) {
    const p = r.pipe(i);
    const holder = w[p + L.P_PID]!;
    if (holder !== 0 && liveSlotOf(r, holder) >= 0) continue;
    r.set(p + L.P_HEAD, 0);
    r.set(p + L.P_TAIL, 0);
    r.set(p + L.P_DROPPED, 0);
    r.set(p + L.P_PID, ctx.pid);
    return r.unlockWith(0);
  }
  return r.fail(-ENOSPC);
}

/**
 * Ends the caller's subscription (unread bytes are discarded); a wait for
 * bytes pending on it ends with ENOENT. Returns 0. Errors: ENOENT not
 * subscribed.
 */
export function pipeUnsubscribe(ctx: TaskContext): number {
  const r = ctx.r;
  r.lock();
  const p = subscriptionOf(r, ctx.pid);
  if (p < 0) return r.fail(-ENOENT);
  r.set(p + L.P_PID, 0);
  r.unlock();
  r.bumpAndWake(p + L.P_SEQ);
  return 0;
}

/** Releases `pid`'s subscription (its task is being reaped), waking whatever still waits on it. Kernel lock held. */
export function releasePipeSubscription(r: Region, pid: number): void {
  const p = subscriptionOf(r, pid);
  if (p < 0) return;
  r.set(p + L.P_PID, 0);
  r.bumpAndWake(p + L.P_SEQ);
}

/**
 * pipe read: copies up to `max` scancode bytes (in order) from the caller's
 * ring to `dst` at `offset` and returns how many (0 when none are waiting).
 * Never blocks. Errors: EINVAL `max` not an integer >= 0; EFAULT the
 * `max`-byte range lies outside `dst`; ENOENT not subscribed.
 */
export function pipeRead(ctx: TaskContext, dst: MessageMemory, offset: number, max: number): number {
  if (!Number.isInteger(max) || max < 0) return -EINVAL;
  if (!inBounds(dst, offset, max)) return -EFAULT;
  const r = ctx.r;
  const w = r.w;
  const p = subscriptionOf(r, ctx.pid);
  if (p < 0) return -ENOENT;
  const head = w[p + L.P_HEAD]!;
  const available = (Atomics.load(w, p + L.P_TAIL) - head) | 0;
  const n = Math.min(available, max);
  const ring = (p + L.P_RING) * 4;
  for (let i = 0; i < n; i++) dst.bytes[offset + i] = r.bytes[ring + ((head + i) & (L.PIPE_RING_BYTES - 1))]!;
  Atomics.store(w, p + L.P_HEAD, (head + n) | 0);
  return n;
}

/**
 * {@link pipeRead} for a caller that waits: WOULD_BLOCK (the wait on the
 * ring's sequence word recorded) instead of 0 when nothing is waiting.
 */
export function pipeReadOrWait(ctx: TaskContext, dst: MessageMemory, offset: number, max: number): number {
  const w = ctx.r.w;
  const p = subscriptionOf(ctx.r, ctx.pid);
  const seq = p < 0 ? 0 : Atomics.load(w, p + L.P_SEQ);
  const n = pipeRead(ctx, dst, offset, max);
  if (n !== 0 || max === 0) return n;
  return ctx.blockOnValue(p + L.P_SEQ, seq, p + L.P_WAITERS, 0, L.EVENT_READABLE);
}

/**
 * The keyboard device delivering scancode bytes: each subscriber's ring
 * gets all of them, a full ring dropping (and counting) what does not fit.
 * Subscribers waiting for bytes are woken. Returns how many subscribers
 * there were. Takes the kernel lock.
 */
export function deliverScancodes(ctx: TaskContext, codes: Uint8Array): number {
  const r = ctx.r;
  const w = r.w;
  r.lock();
  let subscribers = 0;
  for (let i = 0; i < L.PIPE_SUBSCRIBERS; i++) {
    const p = r.pipe(i);
    const holder = w[p + L.P_PID]!;
    if (holder === 0 || liveSlotOf(r, holder) < 0) continue;
    subscribers++;
    const ring = (p + L.P_RING) * 4;
    let tail = w[p + L.P_TAIL]!;
    const head = Atomics.load(w, p + L.P_HEAD);
    let dropped = 0;
    for (const code of codes) {
      if (((tail - head) | 0) >= L.PIPE_RING_BYTES) {
        dropped++;
        continue;
      }
      r.bytes[ring + (tail & (L.PIPE_RING_BYTES - 1))] = code;
      tail = (tail + 1) | 0;
    }
    Atomics.store(w, p + L.P_TAIL, tail);
    if (dropped > 0) Atomics.add(w, p + L.P_DROPPED, dropped);
  }
  Atomics.add(w, r.pipes + L.K_SCANCODES, codes.length);
  r.unlock();
  for (let i = 0; i < L.PIPE_SUBSCRIBERS; i++) {
    const p = r.pipe(i);
    if (Atomics.load(w, p + L.P_PID) !== 0) r.bumpAndWake(p + L.P_SEQ);
  }
  return subscribers;
}

/** Bytes waiting in, and dropped from, subscriber record `p`'s ring. */
export function ringState(r: Region, p: number): { waiting: number; dropped: number } {
  const w = r.w;
  return { waiting: (Atomics.load(w, p + L.P_TAIL) - Atomics.load(w, p + L.P_HEAD)) | 0, dropped: Atomics.load(w, p + L.P_DROPPED) };
}

/** {@link ringState} of the caller's ring; undefined when not subscribed. */
export function pipeState(ctx: TaskContext): { waiting: number; dropped: number } | undefined {
  const p = subscriptionOf(ctx.r, ctx.pid);
  return p < 0 ? undefined : ringState(ctx.r, p);
}
