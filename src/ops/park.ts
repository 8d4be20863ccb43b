/**
 * Parking a task on a wait record (src/core/wait-record.ts): a bounded
 * spin, then the backend's sleep: `wait` (sync) or `waitAsync` (async). Both
 * forms share every step but the sleep itself.
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
import type { WaitRecord } from '../core/wait-record.js';
import { WAIT_CHANGED as PARK_CHANGED, WAIT_TIMED_OUT as PARK_TIMED_OUT } from '../backend/backend.js';
import { raiseFlag, spinUntilEitherChanged } from '../backend/words.js';
import { queueReady } from '../core/queue.js';

export { PARK_CHANGED, PARK_TIMED_OUT };

/** Microseconds every waiter may spin, whatever the number of spinners. */
const GRACE_SPIN_MICROS = 3;

/**
 * Spins watching the recorded word, if fewer than H_MAX_SPINNERS threads are
 * spinning already: with more spinners than cores, spinning only delays the
 * thread everyone waits for. Right after a wake the spin adapts to whether
 * the woken thread gets a core (src/core/spin-budget.ts). True when the
 * word changed.
 */
function spinBriefly(ctx: TaskContext, wait: WaitRecord): boolean {
  const r = ctx.r;
  const w = r.w;
  const word = wait.word;
  const value = wait.value;
  const check = wait.checkWord;
  const checked = wait.checkValue;
  // A short uncapped spin first: in a ping-pong the peer is often still
  // spinning for the few hundred nanoseconds it takes to see our answer.
  if (spinUntilEitherChanged(w, word, value, check, checked, r.spin < GRACE_SPIN_MICROS ? r.spin : GRACE_SPIN_MICROS)) return true;
  if (r.spin <= GRACE_SPIN_MICROS || Atomics.load(w, L.H_SPINNERS) >= w[L.H_MAX_SPINNERS]!) return false;
  const budget = r.spins.budget(performance.now(), r.spin - GRACE_SPIN_MICROS);
  if (budget === 0) return false;
  const flag = r.task(ctx.slot) + L.T_SPINNING;
  Atomics.add(w, L.H_SPINNERS, 1);
  Atomics.store(w, flag, 1);
  const changed = spinUntilEitherChanged(w, word, value, check, checked, budget);
  Atomics.store(w, flag, 0);
  Atomics.sub(w, L.H_SPINNERS, 1);
  r.spins.spun(changed, Atomics.load(w, L.H_STAT_RESUMES));
  return changed;
}

/**
 * The re-check after announcing: a waker that did not see the announcement
 * has already changed what the condition depends on (for a queue lock's
 * waiter, the lock word itself).
 */
function conditionChanged(ctx: TaskContext, wait: WaitRecord): boolean {
  const r = ctx.r;
  if (wait.recheck !== undefined) return wait.recheck(wait);
  if (wait.flag === L.QUEUE_PEERS_WAITING) return queueReady(r, r.object(wait.object - 1), wait.event, wait.need);
  return Atomics.load(r.w, wait.checkWord) !== wait.checkValue;
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
function raise(ctx: TaskContext, wait: WaitRecord): number {
  const w = ctx.r.w;
  const t = ctx.r.task(ctx.slot);
  Atomics.store(w, t + L.T_BLOCKED_OBJECT, wait.object);
  Atomics.store(w, t + L.T_BLOCKED_EVENT, wait.event);
  Atomics.add(w, L.H_STAT_PARKS, 1);
  // A flag needs no undoing if the task dies: the next release clears it.
  if (wait.flag !== 0) {
    raiseFlag(w, wait.waiters, wait.flag);
    return -1;
  }
  return countIn(ctx, wait.waiters);
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

function lower(ctx: TaskContext, wait: WaitRecord, record: number): void {
  const w = ctx.r.w;
  if (wait.flag === 0) uncount(ctx, wait.waiters, record);
  Atomics.store(w, ctx.r.task(ctx.slot) + L.T_BLOCKED_OBJECT, 0);
  Atomics.store(w, ctx.r.task(ctx.slot) + L.T_BLOCKED_EVENT, 0);
}

/** What {@link startPark} answers when the task is announced and must sleep. */
const MUST_SLEEP = -1;

/**
 * Every step of a park before the sleep: spin; give up at the deadline;
 * announce; re-check. PARK_CHANGED or PARK_TIMED_OUT when there is no need
 * to sleep (the task is not announced then), or MUST_SLEEP with the task
 * announced (its park record, see {@link raise}, kept in `wait`): the caller
 * sleeps, then calls {@link lower}.
 */
function startPark(ctx: TaskContext, wait: WaitRecord, deadline: number): number {
  if (wait.spins && spinBriefly(ctx, wait)) return PARK_CHANGED;
  if (remaining(deadline) === 0) return PARK_TIMED_OUT;
  if (beforeAnnounce !== undefined) beforeAnnounce(ctx);
  const record = raise(ctx, wait);
  if (conditionChanged(ctx, wait)) {
    lower(ctx, wait, record);
    return PARK_CHANGED;
  }
  wait.parkRecord = record;
  return MUST_SLEEP;
}

/**
 * Waits synchronously until the word `wait` names changes or `deadline`
 * passes. Returns PARK_CHANGED (re-run the op) or PARK_TIMED_OUT. Throws
 * the region's closedError (KernelClosedError) once the kernel is gone.
 */
export function park(ctx: TaskContext, wait: WaitRecord, deadline: number): number {
  const started = startPark(ctx, wait, deadline);
  if (started !== MUST_SLEEP) return started;
  const result = ctx.r.backend.wait(ctx.r.w, wait.word, wait.value, remaining(deadline));
  lower(ctx, wait, wait.parkRecord);
  // Once the kernel is gone (init's process died), a synchronous op leaves here with its error.
  ctx.r.assertOpen();
  Atomics.add(ctx.r.w, L.H_STAT_RESUMES, 1);
  return result;
}

/**
 * Waits asynchronously (the event loop keeps running) until the word `wait`
 * names changes, `deadline` passes or `signal` aborts. `wait` must be the
 * caller's own record, not the task's: other ops of the task run while this
 * one sleeps.
 */
export async function parkAsync(ctx: TaskContext, wait: WaitRecord, deadline: number, signal?: AbortSignal): Promise<number> {
  const started = startPark(ctx, wait, deadline);
  if (started !== MUST_SLEEP) return started;
  try {
    return await ctx.r.backend.waitAsync(ctx.r.w, wait.word, wait.value, remaining(deadline), signal);
  } finally {
    lower(ctx, wait, wait.parkRecord);
    ctx.r.noticeGone();
    Atomics.add(ctx.r.w, L.H_STAT_RESUMES, 1);
  }
}
