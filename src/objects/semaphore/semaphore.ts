/**
 * Semaphores (Strat9's PosixSemaphore, syscalls 230–234): a count that
 * waiters take one from, blocking while it is 0, and that posters add one
 * to. The count lives in the object record. Waiters sleep on the object's
 * event word (O_READ_SEQ), read before they found the count at 0: every
 * post bumps it (and wakes the sleepers, who try again), and so does
 * anything else that wakes an object's waiters (a handle closed or
 * revoked, destruction), so a waiter still spinning sees it too.
 *
 * Taking and posting need the handle's read and write rights respectively
 * (SEM_CREATE's handle has both). A semaphore lives while any handle to it
 * does. Every op runs under the kernel lock: it is short, and it keeps a
 * handle revoked by another task from reaching a recycled object.
 */
import * as L from '../../core/layout.js';
import { EAGAIN, EINVAL, EPIPE } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { wakeObjectWaiters, wakePollers } from '../../core/object-table.js';
import { lookupTyped, objectOfEntry } from '../../core/handles.js';
import { createObject } from '../create.js';

/**
 * SEM_CREATE: a semaphore with count `initial`; returns a handle with every
 * right. Errors: EINVAL `initial` not an integer in 0..2^31-1; ENOMEM;
 * ENOSPC; EDQUOT the caller's handles or objects quota is reached.
 */
export function createSemaphore(ctx: TaskContext, initial: number): number {
  if (!Number.isInteger(initial) || initial < 0 || initial > L.SEMAPHORE_MAX) return -EINVAL;
  return createObject(ctx, L.OBJ_SEMAPHORE, (r, o) => {
    r.set(o + L.O_SEM_COUNT, initial);
    // O_SEM_WAITERS is not reset: late waiters of an earlier semaphore in this slot may still lower it (layout.ts).
    return 0;
  });
}

/**
 * One try of SEM_WAIT (`blocking`) or SEM_TRYWAIT: takes one from the count
 * of the semaphore `h` names. 0 when taken; WOULD_BLOCK (wait recorded on
 * the count) or -EAGAIN while it is 0. Errors: EBADF not a semaphore
 * handle; EPERM no read right; EPIPE destroyed.
 */
export function semaphoreTake(ctx: TaskContext, h: number, blocking: boolean): number {
  const r = ctx.r;
  const w = r.w;
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_SEMAPHORE, L.RIGHT_READ);
  if (e < 0) return r.fail(e);
  const slot = objectOfEntry(r, e);
  const o = r.object(slot);
  const seq = Atomics.load(w, o + L.O_READ_SEQ);
  const count = w[o + L.O_SEM_COUNT]!;
  if (count === L.SEMAPHORE_DESTROYED) return r.fail(-EPIPE);
  if (count > 0) {
    r.set(o + L.O_SEM_COUNT, count - 1);
    return r.unlockWith(0);
  }
  r.unlock();
  if (!blocking) return -EAGAIN;
  return ctx.blockOnValue(o + L.O_READ_SEQ, seq, o + L.O_SEM_WAITERS, slot + 1, L.EVENT_READABLE);
}

/**
 * SEM_POST: adds one to the count of the semaphore `h` names and wakes its
 * waiters, if any sleep, to try again (one of them takes the unit). Errors: EBADF; EPERM no write right; EPIPE
 * destroyed; EINVAL the count is already 2^31-1.
 */
export function semaphorePost(ctx: TaskContext, h: number): number {
  const r = ctx.r;
  const w = r.w;
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_SEMAPHORE, L.RIGHT_WRITE);
  if (e < 0) return r.fail(e);
  const o = r.object(objectOfEntry(r, e));
  const count = w[o + L.O_SEM_COUNT]!;
  if (count === L.SEMAPHORE_DESTROYED) return r.fail(-EPIPE);
  if (count === L.SEMAPHORE_MAX) return r.fail(-EINVAL);
  r.set(o + L.O_SEM_COUNT, count + 1);
  r.unlock();
  // The event word moves on every post (a spinning waiter sees it); the
  // sleepers all wake: each post must reach a SEM_WAIT sleeper, and one woken
  // for HANDLE_WAIT takes nothing. The losers sleep again.
  Atomics.add(w, o + L.O_READ_SEQ, 1);
  r.wakeIfWaiting(o + L.O_READ_SEQ, o + L.O_SEM_WAITERS, Infinity);
  if (count === 0) wakePollers(r);
  return 0;
}

/**
 * Ready events of semaphore `slot` among `interest` for HANDLE_WAIT:
 * READABLE when the count is above 0 and the handle can take (a semaphore
 * has no WRITABLE: a post never waits). With none ready, records a wait on
 * the count and returns 0. -EPIPE once destroyed. Kernel lock held.
 */
export function semaphoreEvents(ctx: TaskContext, slot: number, rights: number, interest: number): number {
  const r = ctx.r;
  const o = r.object(slot);
  const seq = Atomics.load(r.w, o + L.O_READ_SEQ);
  const count = r.w[o + L.O_SEM_COUNT]!;
  if (count === L.SEMAPHORE_DESTROYED) return -EPIPE;
  if ((interest & L.EVENT_READABLE) !== 0 && (rights & L.RIGHT_READ) !== 0 && count > 0) return L.EVENT_READABLE;
  ctx.blockOnValue(o + L.O_READ_SEQ, seq, o + L.O_SEM_WAITERS, slot + 1, L.EVENT_READABLE);
  return 0;
}

/** Marks the semaphore destroyed and wakes every waiter (they see EPIPE). Kernel lock held. */
export function destroySemaphore(r: Region, slot: number): void {
  const o = r.object(slot);
  r.set(o + L.O_SEM_COUNT, L.SEMAPHORE_DESTROYED);
  wakeObjectWaiters(r, o);
}

