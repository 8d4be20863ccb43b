/**
 * Parking a task on the wait its last kernel op recorded: a bounded spin,
 * then a real futex sleep (sync) or `Atomics.waitAsync` (async).
 *
 * Before sleeping, the task announces itself so that a waker knows to
 * notify: a queue waiter sets a flag in the lock word whose release wakes
 * it; other waiters raise the waiter counter next to the word and note that
 * counter in their task record, so that if the task is killed while asleep
 * the supervisor can lower it again. The
 * snapshot reads the object and event it is blocked on from the same record.
 */
import * as L from '../core/layout.js';
import type { TaskContext } from '../core/context.js';
import { PARK_CHANGED, PARK_TIMED_OUT, raiseFlag, sleep, sleepAsync, spinUntilEitherChanged } from '../backend/futex.js';
import { queueReady } from '../core/queue.js';

export { PARK_CHANGED, PARK_TIMED_OUT };

/** Microseconds every waiter may spin, whatever the number of spinners. */
const GRACE_SPIN_MICROS = 3;

/**
 * Spins watching the recorded word, if fewer than H_MAX_SPINNERS threads are
 * spinning already: with more spinners than cores, spinning only delays the
 * thread everyone waits for. True when the word changed.
 */
function spinBriefly(ctx: TaskContext, word: number, value: number): boolean {
  const r = ctx.r;
  const w = r.w;
  const check = ctx.checkWord;
  const checked = ctx.checkValue;
  // A short uncapped spin first: in a ping-pong the peer is often still
  // spinning for the few hundred nanoseconds it takes to see our answer.
  if (spinUntilEitherChanged(w, word, value, check, checked, r.spin < GRACE_SPIN_MICROS ? r.spin : GRACE_SPIN_MICROS)) return true;
  if (r.spin <= GRACE_SPIN_MICROS || Atomics.load(w, L.H_SPINNERS) >= w[L.H_MAX_SPINNERS]!) return false;
  const flag = r.task(ctx.slot) + L.T_SPINNING;
  Atomics.add(w, L.H_SPINNERS, 1);
  Atomics.store(w, flag, 1);
  const changed = spinUntilEitherChanged(w, word, value, check, checked, r.spin - GRACE_SPIN_MICROS);
  Atomics.store(w, flag, 0);
  Atomics.sub(w, L.H_SPINNERS, 1);
  return changed;
}

/**
 * The re-check after announcing: a waker that did not see the announcement
 * has already changed what the condition depends on (for a queue lock's
 * waiter, the lock word itself).
 */
function conditionChanged(ctx: TaskContext): boolean {
  const r = ctx.r;
  if (ctx.waitFlag === L.QUEUE_PEERS_WAITING) return queueReady(r, r.object(ctx.waitObject - 1), ctx.waitEvent, ctx.waitNeed);
  return Atomics.load(r.w, ctx.checkWord) !== ctx.checkValue;
}

/**
 * Test hook, undefined in production (the cost is one look at this
 * variable per park): called after the spin and before the task announces
 * itself, the window in which a waker cannot see the waiter, so that a
 * test can land the event exactly there and prove the re-check after the
 * announcement catches it.
 */
let beforeAnnounce: ((ctx: TaskContext) => void) | undefined;

/** Sets (or, with undefined, removes) the hook called between the spin and the announcement. For tests only. */
export function setParkAnnounceHookForTests(hook: ((ctx: TaskContext) => void) | undefined): void {
  beforeAnnounce = hook;
}

/** Milliseconds left until `deadline` (a performance.now() time; Infinity = none). */
function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

/**
 * Announces the task as parked: sets its flag in the queue lock word, or
 * raises the waiter counter and notes it in a park record. Returns the park
 * record (-1 for none).
 */
function raise(ctx: TaskContext): number {
  const w = ctx.r.w;
  const t = ctx.r.task(ctx.slot);
  Atomics.store(w, t + L.T_BLOCKED_OBJECT, ctx.waitObject);
  Atomics.store(w, t + L.T_BLOCKED_EVENT, ctx.waitEvent);
  Atomics.add(w, L.H_STAT_PARKS, 1);
  // A flag needs no undoing if the task dies: the next release clears it.
  if (ctx.waitFlag !== 0) {
    raiseFlag(w, ctx.waitWaiters, ctx.waitFlag);
    return -1;
  }
  return countIn(ctx, ctx.waitWaiters);
}

/**
 * Raises the waiter counter `word` for this task and notes it in a park
 * record of its task record, so that if the task dies before
 * {@link uncount} the supervisor lowers the counter. Returns the record
 * (-1 if all are taken: the counter then stays raised after a death, which
 * costs only needless wake-ups).
 */
export function countIn(ctx: TaskContext, word: number): number {
  const w = ctx.r.w;
  const t = ctx.r.task(ctx.slot);
  Atomics.add(w, word, 1);
  for (let i = 0; i < L.TASK_PARK_RECORDS; i++) {
    if (Atomics.compareExchange(w, t + L.T_PARK_RECORDS + i, 0, word) === 0) return t + L.T_PARK_RECORDS + i;
  }
  return -1;
}

/** Undoes {@link countIn}. */
export function uncount(ctx: TaskContext, word: number, record: number): void {
  if (record >= 0) Atomics.store(ctx.r.w, record, 0);
  Atomics.sub(ctx.r.w, word, 1);
}

function lower(ctx: TaskContext, waitersWord: number, flag: number, record: number): void {
  const w = ctx.r.w;
  if (flag === 0) uncount(ctx, waitersWord, record);
  Atomics.store(w, ctx.r.task(ctx.slot) + L.T_BLOCKED_OBJECT, 0);
  Atomics.store(w, ctx.r.task(ctx.slot) + L.T_BLOCKED_EVENT, 0);
}

/**
 * Waits synchronously until the recorded word changes or `deadline` passes.
 * Returns PARK_CHANGED (re-run the op) or PARK_TIMED_OUT.
 */
export function park(ctx: TaskContext, deadline: number): number {
  const w = ctx.r.w;
  const word = ctx.waitWord;
  const value = ctx.waitValue;
  if (spinBriefly(ctx, word, value)) return PARK_CHANGED;
  const timeout = remaining(deadline);
  if (timeout === 0) return PARK_TIMED_OUT;
  const waiters = ctx.waitWaiters;
  const flag = ctx.waitFlag;
  if (beforeAnnounce !== undefined) beforeAnnounce(ctx);
  const record = raise(ctx);
  const result = conditionChanged(ctx) ? PARK_CHANGED : sleep(w, word, value, timeout);
  lower(ctx, waiters, flag, record);
  return result;
}

/**
 * Waits asynchronously (the event loop keeps running) until the recorded
 * word changes, `deadline` passes or `signal` aborts. A short spin comes
 * first, since a reply often arrives within a microsecond.
 */
export async function parkAsync(ctx: TaskContext, deadline: number, signal?: AbortSignal): Promise<number> {
  const w = ctx.r.w;
  const word = ctx.waitWord;
  const value = ctx.waitValue;
  if (spinBriefly(ctx, word, value)) return PARK_CHANGED;
  const timeout = remaining(deadline);
  if (timeout === 0) return PARK_TIMED_OUT;
  const waiters = ctx.waitWaiters;
  const flag = ctx.waitFlag;
  if (beforeAnnounce !== undefined) beforeAnnounce(ctx);
  const record = raise(ctx);
  try {
    if (conditionChanged(ctx)) return PARK_CHANGED;
    return await sleepAsync(w, word, value, timeout, signal);
  } finally {
    lower(ctx, waiters, flag, record);
  }
}
