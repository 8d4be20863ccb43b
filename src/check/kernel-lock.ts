/**
 * The kernel lock and its undo log, as the checker sees them: taking the
 * lock to walk the region (without waiting for ever on a holder that can
 * never release it), and the words of the lock itself.
 */
import * as L from '../core/layout.js';
import { SUPERVISOR_TAG, type Region } from '../core/region.js';
import type { CheckContext, CheckSection } from './context.js';

/** How long the checker waits for a live holder of the kernel lock before it reports it instead. */
const LOCK_WAIT_MS = 5000;

/**
 * Takes the kernel lock for the checker (the thread's own lock tag).
 * Returns undefined once it holds it, else a problem sentence and the lock
 * is not held: the lock word names a holder that can never release it (a
 * task slot that is free or exited, or no thread at all), this thread
 * already holds it, or a live holder kept it past LOCK_WAIT_MS.
 */
export function takeKernelLockToCheck(r: Region): string | undefined {
  const w = r.w;
  const deadline = performance.now() + LOCK_WAIT_MS;
  for (;;) {
    if (Atomics.compareExchange(w, L.H_LOCK, 0, r.lockTag) === 0) return undefined;
    const holder = Atomics.load(w, L.H_LOCK);
    if (holder === 0) continue;
    if (holder === r.lockTag) return `kernel lock: already held by this thread (tag ${holder}); check() cannot run inside a kernel operation`;
    const stuck = holderThatNeverReleases(r, holder);
    if (stuck !== undefined) return `kernel lock: held by ${stuck}, which can never release it`;
    if (performance.now() > deadline) return `kernel lock: held by tag ${holder} for more than ${LOCK_WAIT_MS} ms`;
    r.backend.pause(1);
  }
}

/** Describes lock tag `holder` when no live thread has it (a dying task's lock is recovered by the supervisor, so it is waited for). */
function holderThatNeverReleases(r: Region, holder: number): string | undefined {
  if (holder === SUPERVISOR_TAG) return undefined;
  if (holder < 1 || holder > r.maxTasks) return `tag ${holder} (no task slot, nor the supervisor)`;
  const state = Atomics.load(r.w, r.task(holder - 1) + L.T_STATE);
  if (state === L.TASK_FREE || state === L.TASK_EXITED) return `task slot ${holder - 1} (${state === L.TASK_FREE ? 'free' : 'exited'})`;
  return undefined;
}

/**
 * With the lock held by the checker: the undo log is empty (every
 * critical section before this one committed or was rolled back), and the
 * lock's waiter count is at least the number of tasks noted asleep on it
 * (T_LOCK_PARK; the supervisor never sleeps on the lock). Fewer would let
 * an unlock skip the wake-up of a sleeper. More is possible: a task raises
 * the count before it notes itself and lowers it after, so one killed in
 * between leaves it raised, which costs only needless wake-ups.
 */
export const kernelLockSection: CheckSection = {
  name: 'kernel lock',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const undo = w[L.H_UNDO_COUNT]!;
    if (undo !== 0) ctx.report(`kernel lock: the undo log holds ${undo} entries though no critical section is running`);
    let sleeping = 0;
    for (let slot = 0; slot < r.maxTasks; slot++) {
      const record = w[r.task(slot) + L.T_LOCK_PARK]!;
      if (record === 0) continue;
      if (record === L.H_LOCK_WAITERS) sleeping++;
      else ctx.report(`${ctx.taskName(slot)}: its lock-wait record names word ${record}, not the lock's waiter count (word ${L.H_LOCK_WAITERS})`);
    }
    const waiters = Atomics.load(w, L.H_LOCK_WAITERS);
    if (waiters < sleeping) ctx.report(`kernel lock: its waiter count is ${waiters} but ${sleeping} tasks are noted asleep on it`);
  },
};
