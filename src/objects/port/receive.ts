/**
 * Receiving from a port (IPC_RECV, IPC_TRY_RECV, and batches of receives).
 *
 * A plain message takes only the port's receive lock: copy it out, free its
 * slot with one store of the head. A call or a message carrying a handle
 * needs the kernel lock too: the reply right and the
 * landed handle are committed under the kernel lock with the slot marked
 * taken, and the head advances after, so a receiver killed in between has
 * either taken the message (recovery advances the head) or not.
 */
import * as L from '../../core/layout.js';
import { EAGAIN, EFAULT, EINVAL, EPIPE, WOULD_BLOCK } from '../../core/errno.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, copyOut, inBounds, writeI32 } from '../../core/copy.js';
import { landTransfer, lookupTyped } from '../../core/handles.js';
import { advanceHead, lockQueue, nextIndex, slotAt, unlockQueue, withQueueRetry, lockObjectQueue, tailToReceive } from '../../core/queue.js';

/**
 * Dequeues the oldest message of the port named by `h` into `dst` at
 * `offset`. If it is a call, the caller of this op now holds its one-shot
 * reply right. A transferred handle is installed in the receiver's table and
 * its value written in `flags`; if the table is full the message stays queued.
 * Errors: EFAULT; EBADF; EPERM `h` lacks read; EPIPE the port is destroyed
 * (and empty); EAGAIN empty and `blocking` false; ENOSPC no room for a
 * transferred handle; EDQUOT the caller's handles quota is reached (the
 * message stays queued either way). WOULD_BLOCK while empty (blocking).
 */
export function receiveMessage(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, blocking: boolean): number {
  if (!inBounds(dst, offset, L.MESSAGE_BYTES)) return -EFAULT;
  // A server that just received a call most likely receives calls: go
  // straight to the kernel-lock path rather than look twice.
  if (ctx.expectCalls) return receiveLocked(ctx, h, dst, offset, blocking);
  const r = receivePlain(ctx, h, dst, offset, 1, blocking);
  if (r === 1) return 0;
  return r === NEEDS_KERNEL_LOCK ? receiveLocked(ctx, h, dst, offset, blocking) : r;
}

/**
 * Receives up to `max` queued messages into `dst` at `offset` (64 bytes
 * each). Returns how many (>= 1). Plain messages come many per receive lock;
 * a call or a message with a handle comes alone. Same errors as
 * {@link receiveMessage}; WOULD_BLOCK while empty (blocking).
 */
export function receiveBatch(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, max: number, blocking: boolean): number {
  if (!Number.isInteger(max) || max < 1) return -EINVAL;
  if (!inBounds(dst, offset, L.MESSAGE_BYTES * max)) return -EFAULT;
  const r = receivePlain(ctx, h, dst, offset, max, blocking);
  if (r !== NEEDS_KERNEL_LOCK) return r;
  const one = receiveLocked(ctx, h, dst, offset, blocking);
  return one === 0 ? 1 : one;
}

/** Internal: the head message needs the kernel lock (a call, or a handle in flight). */
const NEEDS_KERNEL_LOCK = -100001;

/**
 * When queue `o` is empty (the wait for a message already recorded): -EPIPE
 * once destroyed, -EAGAIN when not blocking, else WOULD_BLOCK.
 */
function whenEmpty(ctx: TaskContext, o: number, blocking: boolean): number {
  if (ctx.r.w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return -EPIPE;
  return blocking ? WOULD_BLOCK : -EAGAIN;
}

/** Plain messages under the receive lock only: how many were taken, -errno, WOULD_BLOCK or NEEDS_KERNEL_LOCK. */
function receivePlain(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, max: number, blocking: boolean): number {
  const r = ctx.r;
  const w = r.w;
  const o = lockObjectQueue(ctx, h, L.OBJ_PORT, L.RIGHT_READ, L.O_RECV_LOCK);
  if (o < 0) return o;
  let head = w[o + L.O_HEAD]!;
  const tail = tailToReceive(ctx, o);
  if (tail < 0) {
    unlockQueue(r, o, L.O_RECV_LOCK);
    return whenEmpty(ctx, o, blocking);
  }
  let n = 0;
  while (n < max && head !== tail) {
    const at = slotAt(r, o, head);
    // A call token or a handle flag: this one needs the kernel lock.
    if (w[at + L.M_CALL_TOKEN] !== 0 || w[at + L.M_FLAGS] !== 0) break;
    copyOut(w, r.bytes, at, dst, offset + n * L.MESSAGE_BYTES);
    head = nextIndex(r, o, head);
    n++;
  }
  if (n > 0) advanceHead(r, o, head);
  unlockQueue(r, o, L.O_RECV_LOCK);
  if (n === 0) return NEEDS_KERNEL_LOCK;
  w[ctx.record + L.T_RECEIVES] += n;
  return n;
}

/** The head message when it is a call or carries a handle: kernel lock, then receive lock. 0 or -errno. */
function receiveLocked(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, blocking: boolean): number {
  return withQueueRetry(ctx.r, receiveLockedOnce, ctx, h, dst, offset, blocking);
}

function receiveLockedOnce(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, blocking: boolean): number {
  const r = ctx.r;
  const w = r.w;
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_PORT, L.RIGHT_READ);
  if (e < 0) return r.fail(e);
  const o = r.object(w[e + L.HD_OBJECT]! - 1);
  // A busy lock under a blocking driver: undo, and park on it without the kernel lock.
  if (!lockQueue(r, o, L.O_RECV_LOCK, ctx)) return r.fail(WOULD_BLOCK);
  if (tailToReceive(ctx, o) < 0) {
    unlockQueue(r, o, L.O_RECV_LOCK);
    return r.unlockWith(whenEmpty(ctx, o, blocking));
  }
  const head = w[o + L.O_HEAD]!;
  const at = slotAt(r, o, head);
  // Fail before dequeue: if the handle cannot land, the message stays.
  const installed = landTransfer(r, at, ctx.slot);
  if (installed < 0) {
    unlockQueue(r, o, L.O_RECV_LOCK);
    return r.fail(installed);
  }
  copyOut(w, r.bytes, at, dst, offset);
  writeI32(dst, offset + L.MSG_FLAGS, installed);
  const call = w[at + L.M_CALL]!;
  if (call !== 0) {
    const c = r.call(call - 1);
    r.set(c + L.C_SERVER, ctx.pid);
    r.set(c + L.C_MESSAGE, -1);
    r.set(c + L.C_STATE, L.CALL_RECEIVED);
    r.set(at + L.M_CALL, 0);
  }
  // Taken: if this task dies before the head moves, recovery moves it.
  r.set(at + L.M_SENDER_PID, 0);
  w[ctx.record + L.T_RECEIVES] += 1;
  ctx.expectCalls = call !== 0;
  r.unlock();
  advanceHead(r, o, nextIndex(r, o, head));
  unlockQueue(r, o, L.O_RECV_LOCK);
  return 0;
}
