/**
 * Sending to a port (IPC_SEND, IPC_CALL, and batches of sends).
 *
 * A plain send without a handle takes only the port's send lock: it writes
 * the slot at the tail and publishes it with one store. A call, or a send
 * that carries a handle, also needs the kernel lock (call table, handle
 * references): it commits those under the kernel lock first and publishes
 * the slot after, so a sender killed in between leaves a committed call or
 * handle in an unpublished slot, which recovery (queue.ts) and the reaper
 * undo.
 */
import * as L from '../../core/layout.js';
import { EFAULT, EINVAL, EPIPE, WOULD_BLOCK } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, copyIn, inBounds, readI32 } from '../../core/copy.js';
import { attachTransfer, lookupHandle, lookupTyped, objectOfEntry } from '../../core/handles.js';
import { lockQueue, nextIndex, publishTail, roomOrWait, slotAt, unlockQueue, withQueueRetry, lockObjectQueue } from '../../core/queue.js';
import { allocCall, callToken } from './call.js';

/**
 * Enqueues the message at `offset` of `src` on the port named by `h`, as a
 * plain send (`asCall` false; returns 0) or as a call (returns the call slot).
 * The kernel overwrites `sender` with the caller's pid (and, for a call, the
 * call token in the high word). A non-zero `flags` names a handle of the
 * caller's to transfer; the receiver gets a copy with the same rights.
 * Errors: EFAULT message outside `src`; EBADF `h` is not a port handle, or
 * flags names no handle; EPERM `h` lacks write, or the transferred handle
 * lacks grant; EPIPE the port is destroyed; ENOMEM no call slot left.
 * WOULD_BLOCK while the queue is full.
 */
export function enqueueMessage(ctx: TaskContext, h: number, src: MessageMemory, offset: number, asCall: boolean): number {
  if (!inBounds(src, offset, L.MESSAGE_BYTES)) return -EFAULT;
  if (!asCall && readI32(src, offset + L.MSG_FLAGS) === 0) {
    const sent = sendPlain(ctx, h, src, offset, 1);
    return sent === 1 ? 0 : sent;
  }
  return sendLocked(ctx, h, src, offset, asCall);
}

/**
 * Sends up to `count` consecutive messages from `src` at `offset` (64 bytes
 * each): as many as the queue has room for, under one send lock. Returns how
 * many were sent (>= 1). A message that carries a handle (non-zero flags)
 * is sent on its own: the batch stops before it, and it goes first in the
 * next call. Same errors as {@link enqueueMessage}; WOULD_BLOCK while full.
 */
export function enqueueBatch(ctx: TaskContext, h: number, src: MessageMemory, offset: number, count: number): number {
  if (!Number.isInteger(count) || count < 1) return -EINVAL;
  if (!inBounds(src, offset, L.MESSAGE_BYTES * count)) return -EFAULT;
  if (readI32(src, offset + L.MSG_FLAGS) !== 0) {
    const r = sendLocked(ctx, h, src, offset, false);
    return r === 0 ? 1 : r;
  }
  return sendPlain(ctx, h, src, offset, count);
}

/** Writes the fields of the message line the kernel owns into the slot at `at` (see L.M_SENDER_PID). */
function stamp(w: Int32Array, at: number, pid: number, token: number, flags: number): void {
  w[at + L.M_SENDER_PID] = pid;
  w[at + L.M_CALL_TOKEN] = token;
  w[at + L.M_FLAGS] = flags;
}

/** Plain sends: the send lock only. Returns how many were sent, -errno, or WOULD_BLOCK. */
function sendPlain(ctx: TaskContext, h: number, src: MessageMemory, offset: number, count: number): number {
  const r = ctx.r;
  const w = r.w;
  const o = lockObjectQueue(ctx, h, L.OBJ_PORT, L.RIGHT_WRITE, L.O_SEND_LOCK);
  if (o < 0) return o;
  const room = roomOrWait(ctx, o);
  if (room < 0) {
    unlockQueue(r, o, L.O_SEND_LOCK);
    return room;
  }
  let n = count < room ? count : room;
  let tail = w[o + L.O_TAIL]!;
  for (let i = 0; i < n; i++) {
    // A message carrying a handle ends the batch: it goes on its own, through the kernel lock.
    if (i > 0 && readI32(src, offset + i * L.MESSAGE_BYTES + L.MSG_FLAGS) !== 0) {
      n = i;
      break;
    }
    const at = slotAt(r, o, tail);
    copyIn(w, r.bytes, at, src, offset + i * L.MESSAGE_BYTES);
    stamp(w, at, ctx.pid, 0, 0);
    tail = nextIndex(r, o, tail);
  }
  publishTail(r, o, tail);
  unlockQueue(r, o, L.O_SEND_LOCK);
  w[ctx.record + L.T_SENDS] += n;
  return n;
}

/** A call, or a send carrying a handle: kernel lock, then send lock; commit, then publish. */
function sendLocked(ctx: TaskContext, h: number, src: MessageMemory, offset: number, asCall: boolean): number {
  return withQueueRetry(ctx.r, sendLockedOnce, ctx, h, src, offset, asCall);
}

function sendLockedOnce(ctx: TaskContext, h: number, src: MessageMemory, offset: number, asCall: boolean): number {
  const r = ctx.r;
  const w = r.w;
  const xferHandle = readI32(src, offset + L.MSG_FLAGS);
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_PORT, L.RIGHT_WRITE);
  if (e < 0) return r.fail(e);
  const slot = objectOfEntry(r, e);
  const o = r.object(slot);
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return r.fail(-EPIPE);
  const xe = xferHandle === 0 ? 0 : lookupHandle(r, ctx.slot, xferHandle, L.RIGHT_GRANT);
  if (xe < 0) return r.fail(xe);
  // A busy lock under a blocking driver: undo, and park on it without the kernel lock.
  if (!lockQueue(r, o, L.O_SEND_LOCK, ctx)) return r.fail(WOULD_BLOCK);
  const room = roomOrWait(ctx, o);
  if (room < 0) return unlockBoth(r, o, room);
  const cs = asCall ? allocCall(r, ctx) : -1;
  if (asCall && cs < 0) {
    unlockQueue(r, o, L.O_SEND_LOCK);
    return r.fail(cs);
  }
  const tail = w[o + L.O_TAIL]!;
  const at = slotAt(r, o, tail);
  copyIn(w, r.bytes, at, src, offset);
  stamp(w, at, ctx.pid, asCall ? callToken(r, cs) : 0, xe === 0 ? 0 : L.SLOT_FLAG_TRANSFER);
  // The bookkeeping line is clean (L.M_CALL): unpublished, it needs no logging.
  w[at + L.M_CALL] = cs + 1;
  if (xe !== 0) attachTransfer(r, at, xe, ctx.slot);
  if (asCall) {
    const c = r.call(cs);
    r.set(c + L.C_PORT, slot);
    r.set(c + L.C_MESSAGE, w[o + L.O_RING]! + tail);
    w[ctx.record + L.T_CALLS] += 1;
  } else {
    w[ctx.record + L.T_SENDS] += 1;
  }
  r.unlock();
  if (cs === ctx.cachedCall) ctx.cachedCall = -1;
  publishTail(r, o, nextIndex(r, o, tail));
  unlockQueue(r, o, L.O_SEND_LOCK);
  return asCall ? cs : 0;
}

function unlockBoth(r: Region, o: number, result: number): number {
  unlockQueue(r, o, L.O_SEND_LOCK);
  r.unlock();
  return result;
}
