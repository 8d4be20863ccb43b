/**
 * The blocking loop, once, with its two drivers: `blocking` runs an op
 * synchronously (spin, then sleep the thread), `blockingAsync` runs the same
 * op asynchronously (spin, then the backend's `waitAsync`: the event loop keeps
 * running). Each op is a value, a {@link BlockingOp}, defined once for both
 * (src/ops/object-ops.ts, rou2exos-ops.ts, page-ops.ts).
 *
 * The loop: try the op; while it answers WOULD_BLOCK (with the wait
 * recorded in the task's wait record), park on the recorded word and try
 * again, until the op answers, the deadline passes (ETIMEDOUT) or the
 * signal aborts (EINTR). `deadline` is a `performance.now()` time, or
 * Infinity to wait forever.
 *
 * A try that finds a queue lock busy answers WOULD_BLOCK too, with the wait
 * for the lock recorded ({@link TaskContext.lockWaitParks}): so waiting for
 * a lock held by another task honours the same deadline and signal, and an
 * async op never blocks its event loop on one.
 */
import { EINTR, ETIMEDOUT, WOULD_BLOCK } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import type { MessageMemory } from '../core/copy.js';
import { WaitRecord } from '../core/wait-record.js';
import { PARK_TIMED_OUT, park, parkAsync } from './park.js';

/**
 * One try of an op on handle (or pid, or call slot) `h`, with message
 * memory `mem` at `offset` and a count or length `n`: a result, or
 * WOULD_BLOCK with the wait recorded in `ctx.wait`.
 */
export type Attempt = (ctx: TaskContext, h: number, mem: MessageMemory, offset: number, n: number) => number;

/** A blocking op, as both drivers run it. */
export interface BlockingOp {
  readonly attempt: Attempt;
  /**
   * When the caller gives up (deadline, abort) while the op waits: undoes
   * what the op started and returns false; or returns true when the op
   * completed meanwhile, and it is tried once more to take its result.
   * Absent: nothing to undo.
   */
  readonly cancel?: (ctx: TaskContext, h: number) => boolean;
  /**
   * The op's second step, run once this one succeeds, with this one's
   * result as its `h` and `n` 0 (a call: send, then wait for the reply).
   */
  readonly then?: BlockingOp;
}

/** Message memory for ops that copy no message. */
export const NO_MEMORY: MessageMemory = { bytes: new Uint8Array(0), words: null };

/** One try of `attempt` in which a busy queue lock answers WOULD_BLOCK (the wait recorded) instead of being waited for. */
export function tryParkingOnLocks(attempt: Attempt, ctx: TaskContext, h: number, mem: MessageMemory, offset: number, n: number): number {
  ctx.lockWaitParks = true;
  try {
    return attempt(ctx, h, mem, offset, n);
  } finally {
    ctx.lockWaitParks = false;
  }
}

/** Whether a caller that gave up on `op` may leave (it is undone), rather than try once more. */
function mayLeave(op: BlockingOp, ctx: TaskContext, h: number): boolean {
  return op.cancel === undefined || !op.cancel(ctx, h);
}

/** Runs `op` (and its next steps) synchronously: its result, -ETIMEDOUT, or -errno. */
export function blocking(op: BlockingOp, ctx: TaskContext, h: number, mem: MessageMemory, offset: number, n: number, deadline: number): number {
  for (let step: BlockingOp | undefined = op; ; ) {
    let result: number;
    for (;;) {
      result = tryParkingOnLocks(step.attempt, ctx, h, mem, offset, n);
      if (result !== WOULD_BLOCK) break;
      if (park(ctx, ctx.wait, deadline) === PARK_TIMED_OUT && mayLeave(step, ctx, h)) return -ETIMEDOUT;
    }
    step = step.then;
    if (result < 0 || step === undefined) return result;
    h = result;
    n = 0;
  }
}

/**
 * Runs `op` (and its next steps) asynchronously: resolves its result,
 * -ETIMEDOUT, -EINTR, or -errno; rejects with the kernel's closed error
 * once the kernel is closed.
 */
export async function blockingAsync(
  op: BlockingOp,
  ctx: TaskContext,
  h: number,
  mem: MessageMemory,
  offset: number,
  n: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  // The task's record is refilled by its other ops while this one sleeps: park on a copy.
  let wait: WaitRecord | undefined;
  for (let step: BlockingOp | undefined = op; ; ) {
    let result: number;
    for (;;) {
      // An op with nothing to undo leaves on an abort at once; one that must
      // cancel first does so only while the kernel is still open.
      const aborted = signal?.aborted === true;
      if (aborted && step.cancel === undefined) return -EINTR;
      if (ctx.r.closedError !== undefined) throw ctx.r.closedError();
      if (aborted && mayLeave(step, ctx, h)) return -EINTR;
      result = tryParkingOnLocks(step.attempt, ctx, h, mem, offset, n);
      if (result !== WOULD_BLOCK) break;
      wait ??= new WaitRecord();
      wait.copyFrom(ctx.wait);
      if ((await parkAsync(ctx, wait, deadline, signal)) === PARK_TIMED_OUT && mayLeave(step, ctx, h)) return -ETIMEDOUT;
    }
    step = step.then;
    if (result < 0 || step === undefined) return result;
    h = result;
    n = 0;
  }
}
