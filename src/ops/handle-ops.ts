/**
 * The handle syscalls (1-6) as kernel ops, independent of syscall numbers.
 */
import * as L from '../core/layout.js';
import { EAGAIN, EBADF, EFAULT, EINVAL, ESRCH, WOULD_BLOCK } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import { type MessageMemory, inBounds, writeI32 } from '../core/copy.js';
import { installHandle, lookupHandle, lookupTyped, objectOfEntry, releaseEntry, revokeDescendants } from '../core/handles.js';
import { liveSlotOf } from '../core/task-table.js';
import { grantRoom } from '../core/quota.js';
import { objectIdOf } from '../core/object-table.js';
import { withQueueRetry } from '../core/queue.js';
import { objectTypeOf } from '../objects/registry.js';

/**
 * HANDLE_DUPLICATE: a new handle in the caller's table naming the same object
 * with the same rights, derived from `h`.
 * Errors: EBADF; EPERM `h` lacks grant; ENOSPC the table is full; EDQUOT
 * the caller's handles quota is reached.
 */
export function duplicate(ctx: TaskContext, h: number): number {
  const r = ctx.r;
  r.lock();
  const e = lookupHandle(r, ctx.slot, h, L.RIGHT_GRANT);
  const result = e < 0 ? e : installHandle(r, ctx.slot, objectOfEntry(r, e), r.w[e + L.HD_RIGHTS]!, e);
  r.unlock();
  return result;
}

/**
 * A new handle in the caller's table naming the same object as `h` with
 * only the rights of `h` that are also in `rights` (e.g. the send-only and
 * receive-only ends of a channel), derived from `h`. Narrowing needs no
 * grant right. Errors: EBADF; EINVAL `rights` has bits beyond the five
 * rights; ENOSPC the table is full; EDQUOT the handles quota is reached.
 */
export function restrict(ctx: TaskContext, h: number, rights: number): number {
  if (!Number.isInteger(rights) || (rights & ~L.RIGHTS_ALL) !== 0) return -EINVAL;
  const r = ctx.r;
  r.lock();
  const e = lookupHandle(r, ctx.slot, h, 0);
  const result = e < 0 ? e : installHandle(r, ctx.slot, objectOfEntry(r, e), r.w[e + L.HD_RIGHTS]! & rights, e);
  r.unlock();
  return result;
}

/**
 * HANDLE_CLOSE: releases `h`. The object dies with its last handle; a port
 * also dies when its owner closes its last handle to it.
 * Errors: EBADF.
 */
export function close(ctx: TaskContext, h: number): number {
  return withQueueRetry(ctx.r, closeOnce, ctx, h, 0, 0, 0);
}

/** CHAN_CLOSE, SEM_CLOSE: HANDLE_CLOSE for a handle that must name an object of `type` (else EBADF). */
export function closeTyped(ctx: TaskContext, h: number, type: number): number {
  return withQueueRetry(ctx.r, closeOnce, ctx, h, type, 0, 0);
}

function closeOnce(ctx: TaskContext, h: number, type: number): number {
  const r = ctx.r;
  r.lock();
  const e = type === 0 ? lookupHandle(r, ctx.slot, h, 0) : lookupTyped(r, ctx.slot, h, type, 0);
  if (e >= 0) releaseEntry(r, ctx.slot, e);
  r.unlock();
  return e < 0 ? e : 0;
}

/**
 * HANDLE_GRANT: copies `h` into the table of task `pid` and returns the new
 * handle's value there. A grant into another task's table is not consented
 * to, so it is bounded (docs/quotas.md): it counts against the receiver's
 * received-handles budget until closed, and never takes the receiver's
 * last free slots (the grant reserve). A grant to oneself is a duplicate.
 * Errors: EBADF; EPERM lacks grant; ESRCH no live task `pid`; ENOSPC its
 * table is full; EDQUOT it refuses grants, its received-handles budget or
 * handles quota is spent, or the grant would eat into its reserve.
 */
export function grant(ctx: TaskContext, h: number, pid: number): number {
  const r = ctx.r;
  r.lock();
  const e = lookupHandle(r, ctx.slot, h, L.RIGHT_GRANT);
  let result = e;
  if (e >= 0) {
    const target = liveSlotOf(r, pid);
    const foreign = target >= 0 && target !== ctx.slot;
    const room = target < 0 ? -ESRCH : foreign ? grantRoom(r, target) : 0;
    result = room < 0 ? room : installHandle(r, target, objectOfEntry(r, e), r.w[e + L.HD_RIGHTS]!, e, foreign ? L.HANDLE_FLAG_GRANTED : 0);
  }
  r.unlock();
  return result;
}

/**
 * Sets whether task `ctx` refuses other tasks' HANDLE_GRANT (docs/quotas.md).
 * Handles it already received stay. Errors: EINVAL `refuse` not a boolean.
 */
export function refuseGrants(ctx: TaskContext, refuse: boolean): number {
  if (typeof refuse !== 'boolean') return -EINVAL;
  const r = ctx.r;
  r.lock();
  r.set(ctx.record + L.T_REFUSES_GRANTS, refuse ? 1 : 0);
  r.unlock();
  return 0;
}

/**
 * HANDLE_REVOKE: closes every handle derived from `h` (by duplicate, grant or
 * transfer, transitively), in every task. `h` itself stays. Returns how many
 * were closed. Errors: EBADF; EPERM lacks revoke.
 */
export function revoke(ctx: TaskContext, h: number): number {
  return withQueueRetry(ctx.r, revokeOnce, ctx, h, 0, 0, 0);
}

function revokeOnce(ctx: TaskContext, h: number): number {
  const r = ctx.r;
  r.lock();
  const e = lookupHandle(r, ctx.slot, h, L.RIGHT_REVOKE);
  const result = e < 0 ? e : revokeDescendants(r, e);
  r.unlock();
  return result;
}

/** Size of the record HANDLE_INFO writes: resource_type u32, rights u32, object id u64. */
export const HANDLE_INFO_BYTES = 16;

/**
 * HANDLE_INFO: writes {resource_type u32, rights u32, object id u64} at
 * `ptr`. Errors: EBADF; EFAULT the 16 bytes are outside memory.
 */
export function info(ctx: TaskContext, h: number, mem: MessageMemory, ptr: number): number {
  const r = ctx.r;
  r.lock();
  const e = lookupHandle(r, ctx.slot, h, 0);
  if (e < 0) {
    r.unlock();
    return e;
  }
  if (!inBounds(mem, ptr, HANDLE_INFO_BYTES)) {
    r.unlock();
    return -EFAULT;
  }
  const slot = objectOfEntry(r, e);
  const id = objectIdOf(r, slot);
  writeI32(mem, ptr, r.w[r.object(slot) + L.O_TYPE]!);
  writeI32(mem, ptr + 4, r.w[e + L.HD_RIGHTS]!);
  writeI32(mem, ptr + 8, id % 0x100000000);
  writeI32(mem, ptr + 12, Math.floor(id / 0x100000000));
  r.unlock();
  return 0;
}

/** The events HANDLE_WAIT can report. */
export const ALL_EVENTS = L.EVENT_READABLE | L.EVENT_WRITABLE;

/**
 * One look at the ready events of `h` among `interest` (READABLE=1,
 * WRITABLE=2; 0 means both) for HANDLE_WAIT: the ready ones (> 0), or, when
 * none is, WOULD_BLOCK with the wait recorded (EAGAIN if `poll`).
 * Errors: EBADF; EINVAL `interest` has other bits; EPIPE the object is
 * destroyed.
 */
export function readyEvents(ctx: TaskContext, h: number, poll: boolean, interest: number): number {
  if (!Number.isInteger(interest) || interest < 0 || (interest & ~ALL_EVENTS) !== 0) return -EINVAL;
  if (interest === 0) interest = ALL_EVENTS;
  const r = ctx.r;
  r.lock();
  const e = lookupHandle(r, ctx.slot, h, 0);
  if (e < 0) {
    r.unlock();
    return e;
  }
  const slot = objectOfEntry(r, e);
  const rights = r.w[e + L.HD_RIGHTS]!;
  const type = objectTypeOf(r.w[r.object(slot) + L.O_TYPE]!);
  const events = type?.readyEvents ? type.readyEvents(ctx, slot, rights, interest) : -EBADF;
  r.unlock();
  if (events !== 0) return events;
  return poll ? -EAGAIN : WOULD_BLOCK;
}
