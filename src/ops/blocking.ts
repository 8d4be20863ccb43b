/**
 * The retry loop of every blocking kernel op: try the op; while it answers
 * WOULD_BLOCK (with the wait recorded in the task context), park on the
 * recorded word and try again, until the op answers or the deadline passes
 * (ETIMEDOUT) or the signal aborts (EINTR).
 *
 * A try that finds a queue lock busy answers WOULD_BLOCK too, with the wait
 * for the lock recorded ({@link TaskContext.lockWaitParks}): so waiting for
 * a lock held by another task honours the same deadline and signal, and an
 * async op never blocks its event loop on one.
 */
import { EINTR, ETIMEDOUT, WOULD_BLOCK } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import type { MessageMemory } from '../core/copy.js';
import { PARK_TIMED_OUT, park, parkAsync } from './park.js';

/** One try of an op: a result, or WOULD_BLOCK with the wait recorded in `ctx`. */
export type Attempt = (ctx: TaskContext, h: number, mem: MessageMemory, offset: number, n: number) => number;

/** Retries `attempt` until it stops answering WOULD_BLOCK or the deadline passes. */
export function blocking(attempt: Attempt, ctx: TaskContext, h: number, mem: MessageMemory, offset: number, n: number, deadline: number): number {
  for (;;) {
    const r = tryParkingOnLocks(attempt, ctx, h, mem, offset, n);
    if (r !== WOULD_BLOCK) return r;
    if (park(ctx, deadline) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
}

/** One try of `attempt` in which a busy queue lock answers WOULD_BLOCK (the wait recorded) instead of being waited for. */
export function tryParkingOnLocks(attempt: Attempt, ctx: TaskContext, h: number, mem: MessageMemory, offset: number, n: number): number {
  ctx.lockWaitParks = true;
  try {
    return attempt(ctx, h, mem, offset, n);
  } finally {
    ctx.lockWaitParks = false;
  }
}

export async function blockingAsync(
  attempt: Attempt,
  ctx: TaskContext,
  h: number,
  mem: MessageMemory,
  offset: number,
  n: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  for (;;) {
    if (signal?.aborted) return -EINTR;
    if (ctx.r.closedError !== undefined) throw ctx.r.closedError();
    const r = tryParkingOnLocks(attempt, ctx, h, mem, offset, n);
    if (r !== WOULD_BLOCK) return r;
    if ((await parkAsync(ctx, deadline, signal)) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
}
