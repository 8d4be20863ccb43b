/**
 * A byte stream over a shared ring's pages, run by the kernel so that
 * readers and writers block and wake like on any queue: the ring's bytes are
 * a circular buffer of O_CAPACITY + 1 bytes whose indices (O_TAIL, O_HEAD)
 * and locks are those of the queue in its object record (queue.ts). Writers
 * serialize on the send lock, readers on the receive lock; each commits with
 * one store of its index, so a task killed half-way through a write leaves
 * the stream as if that write had not begun.
 *
 * Several writers may share a stream: a `whole` write (at most the ring's
 * capacity) lands in one piece, never interleaved with another writer's.
 * A writer ends the stream with `shutdown`: readers drain what is left,
 * then read end-of-stream (0).
 */
import * as L from '../../core/layout.js';
import { EAGAIN, EFAULT, EINVAL, EPIPE } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { wakeObjectWaiters } from '../../core/object-table.js';
import { lookupTyped, objectOfEntry } from '../../core/handles.js';
import { advanceHead, lockObjectQueue, publishTail, queueDepth, unlockQueue } from '../../core/queue.js';

function inRange(bytes: Uint8Array, offset: number, length: number): boolean {
  return Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= bytes.length;
}

/**
 * One try of a stream write of `length` bytes of `src` from `offset`.
 * Returns how many were written: all of them for a `whole` write, else as
 * many as fit (at least 1 unless `length` is 0). While there is no room
 * (for a whole write: not room for all), WOULD_BLOCK with the wait recorded,
 * or -EAGAIN when not `blocking`.
 * Errors: EFAULT the range lies outside `src`; EINVAL a whole write longer
 * than the ring's capacity; EBADF not a ring handle; EPERM no write right;
 * EPIPE the ring is destroyed or the stream was shut down.
 */
export function ringWrite(ctx: TaskContext, h: number, src: Uint8Array, offset: number, length: number, whole: boolean, blocking: boolean): number {
  if (!inRange(src, offset, length)) return -EFAULT;
  const r = ctx.r;
  const w = r.w;
  const o = lockObjectQueue(ctx, h, L.OBJ_RING, L.RIGHT_WRITE, L.O_SEND_LOCK);
  if (o < 0) return o;
  const capacity = w[o + L.O_CAPACITY]!;
  let result: number;
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_RING_SHUT) result = -EPIPE;
  else if (whole && length > capacity) result = -EINVAL;
  else {
    const writeSeq = Atomics.load(w, o + L.O_WRITE_SEQ);
    const head = Atomics.load(w, o + L.O_HEAD);
    const room = capacity - queueDepth(r, o);
    const n = whole ? length : Math.min(room, length);
    if (n > room || (n === 0 && length > 0)) {
      // A whole write sleeps until there is room for all of it, not just some.
      result = blocking ? ctx.blockOnQueue(o, L.EVENT_WRITABLE, writeSeq, head, Math.max(1, n)) : -EAGAIN;
    } else {
      const tail = w[o + L.O_TAIL]!;
      copyAround(src, offset, r.bytes, ringBase(r, o), capacity + 1, tail, n, true);
      publishTail(r, o, (tail + n) % (capacity + 1));
      result = n;
    }
  }
  unlockQueue(r, o, L.O_SEND_LOCK);
  return result;
}

/**
 * One try of a stream read of up to `max` bytes into `dst` at `offset`.
 * Returns how many were read (>= 1), or 0 at the end of a shut-down stream
 * (or when `max` is 0). While empty: WOULD_BLOCK (wait recorded) or -EAGAIN.
 * Errors: EFAULT; EBADF; EPERM no read right; EPIPE the ring is destroyed.
 */
export function ringRead(ctx: TaskContext, h: number, dst: Uint8Array, offset: number, max: number, blocking: boolean): number {
  if (!inRange(dst, offset, max)) return -EFAULT;
  const r = ctx.r;
  const w = r.w;
  const o = lockObjectQueue(ctx, h, L.OBJ_RING, L.RIGHT_READ, L.O_RECV_LOCK);
  if (o < 0) return o;
  const readSeq = Atomics.load(w, o + L.O_READ_SEQ);
  let tail = Atomics.load(w, o + L.O_TAIL);
  const head = w[o + L.O_HEAD]!;
  const size = w[o + L.O_CAPACITY]! + 1;
  // The writer may have written and shut the stream since the ring looked
  // empty: those bytes are read before its end, so look once more.
  if (head === tail && Atomics.load(w, o + L.O_FLAGS) & L.OBJECT_FLAG_RING_SHUT) tail = Atomics.load(w, o + L.O_TAIL);
  let result: number;
  if (head === tail) {
    const flags = w[o + L.O_FLAGS]!;
    if (flags & L.OBJECT_FLAG_DESTROYED) result = -EPIPE;
    else if (flags & L.OBJECT_FLAG_RING_SHUT || max === 0) result = 0;
    else result = blocking ? ctx.blockOnQueue(o, L.EVENT_READABLE, readSeq, tail) : -EAGAIN;
  } else {
    const depth = tail >= head ? tail - head : tail + size - head;
    const n = Math.min(depth, max);
    copyAround(dst, offset, r.bytes, ringBase(r, o), size, head, n, false);
    advanceHead(r, o, (head + n) % size);
    result = n;
  }
  unlockQueue(r, o, L.O_RECV_LOCK);
  return result;
}

/**
 * Ends the stream of the ring `h` names: later writes get EPIPE, readers
 * drain what is buffered and then read end-of-stream. Idempotent.
 * Errors: EBADF; EPERM no write right.
 */
export function ringShutdown(ctx: TaskContext, h: number): number {
  const r = ctx.r;
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_RING, L.RIGHT_WRITE);
  if (e < 0) return r.fail(e);
  const o = r.object(objectOfEntry(r, e));
  r.set(o + L.O_FLAGS, r.w[o + L.O_FLAGS]! | L.OBJECT_FLAG_RING_SHUT);
  r.unlock();
  wakeObjectWaiters(r, o);
  return 0;
}

function ringBase(r: Region, o: number): number {
  return r.page(r.w[o + L.O_RING]!) * 4;
}

/**
 * Copies `n` bytes between `user` at `offset` and the circular buffer of
 * `size` bytes at `base` in `kernel`, starting at index `at` and wrapping
 * once if need be: into the ring when `toRing`, out of it otherwise.
 */
function copyAround(user: Uint8Array, offset: number, kernel: Uint8Array, base: number, size: number, at: number, n: number, toRing: boolean): void {
  const first = Math.min(n, size - at);
  if (toRing) {
    kernel.set(user.subarray(offset, offset + first), base + at);
    if (n > first) kernel.set(user.subarray(offset + first, offset + n), base);
  } else {
    user.set(kernel.subarray(base + at, base + at + first), offset);
    if (n > first) user.set(kernel.subarray(base, base + n - first), offset + first);
  }
}
