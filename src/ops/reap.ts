/**
 * What happens when a task dies (exit, crash, `terminate()`): its callers
 * get EPIPE, its ports are destroyed, its handles, names, mailbox,
 * registrations and pages are released. Run by the supervisor once the
 * task's thread has stopped for good.
 *
 * A dead task may hold thousands of calls, handles and queued messages, so
 * its reap is not one critical section but a sequence of bounded steps
 * ({@link Reap.step}), each under the kernel lock and committed on its own:
 * the undo log a step uses, and the time others wait for the lock, are
 * bounded by a constant of the kernel's size (one queue's capacity, one page
 * space), never by how much the task held. Between steps the task is
 * TASK_DYING: not live (no pid lookup finds it, so nothing new reaches it),
 * and every step leaves the kernel consistent.
 */
import * as L from '../core/layout.js';
import { EPIPE } from '../core/errno.js';
import type { Region } from '../core/region.js';
import '../objects/registry.js';
import { releaseEntry } from '../core/handles.js';
import { failCall, freeCall, withdrawCallsOf } from '../objects/port/call.js';
import { removeBindingsBy } from '../objects/namespace/namespace.js';
import { writePolicyLocked } from '../objects/namespace/policy.js';
import { releaseMailbox } from '../objects/mailbox/mailbox.js';
import { releaseNetRegistrations } from '../objects/network/network.js';
import { releasePipeSubscription } from '../objects/keyboard-pipe/keyboard-pipe.js';
import { releasePageIpc } from '../objects/page-ipc/page-ipc.js';
import { wakeObjectWaiters } from '../core/object-table.js';

/**
 * Undo-log pairs after which a step commits and lets others have the lock.
 * A step may exceed it by one unit of work, whose own use is bounded by the
 * kernel's size (the undo log is sized for the largest unit).
 */
export const REAP_STEP_UNDO_PAIRS = 2048;

/** The phases of a reap, in the order they run. */
const PHASE_NAMES = 0;
const PHASE_CALLS = 1;
const PHASE_HANDLES = 2;
const PHASE_DEVICES = 3;
const PHASE_PAGES = 4;
const PHASE_FINISH = 5;
const PHASE_DONE = 6;

/**
 * The reap of one dead task, in steps. The order:
 * 1. its namespace bindings and its namespace policy go, so no new client
 *    finds its ports;
 * 2. calls: those it received and did not answer get an EPIPE reply; calls
 *    it made are withdrawn from their queues (all of its calls on one port
 *    in one pass), abandoned if a server holds them, or freed if answered;
 * 3. its handles are released one by one; ports it owns are destroyed
 *    (blocked senders and receivers wake with EPIPE, queued calls get EPIPE
 *    replies, plain sends are dropped) and objects left without handles freed;
 * 4. its mailbox (queued messages dropped), network registrations and
 *    keyboard subscription;
 * 5. page IPC: deliveries pending to it abandoned, its pages unmapped (what
 *    it sent stays in flight);
 * 6. waiter counters it raised are lowered, its slot becomes TASK_EXITED,
 *    and every waiter is woken to look again.
 */
export class Reap {
  private phase = PHASE_NAMES;
  private cursor = 0;
  private stepPhase = PHASE_NAMES;
  private stepCursor = 0;

  /**
   * `keepTask`: release everything the task holds but leave its slot as it
   * is (init, whose thread lives on, when its kernel is closed).
   */
  constructor(
    readonly slot: number,
    readonly pid: number,
    readonly exitCode: number,
    readonly keepTask = false,
  ) {}

  /** Whether every step has run. */
  get done(): boolean {
    return this.phase === PHASE_DONE;
  }

  /**
   * Runs the next bounded part of the reap. Kernel lock held; the caller
   * commits (unlocks) after it. If it throws (a queue lock stays busy:
   * QueueLockBusy), the caller rolls the step back and calls
   * {@link retry} before trying again. Returns true once the reap is complete.
   */
  step(r: Region): boolean {
    this.stepPhase = this.phase;
    this.stepCursor = this.cursor;
    const w = r.w;
    const budget = w[L.H_UNDO_COUNT]! + REAP_STEP_UNDO_PAIRS;
    while (this.phase !== PHASE_DONE && w[L.H_UNDO_COUNT]! < budget) {
      switch (this.phase) {
        case PHASE_NAMES:
          removeBindingsBy(r, this.pid);
          writePolicyLocked(r, this.slot, undefined);
          this.next();
          break;
        case PHASE_CALLS:
          if (this.cursor >= r.maxCalls) this.next();
          else settleCall(r, this.cursor++, this.pid);
          break;
        case PHASE_HANDLES:
          if (this.cursor >= r.maxHandles) this.next();
          else {
            const e = r.handle(this.slot, this.cursor++);
            if (w[e + L.HD_OBJECT] !== 0) releaseEntry(r, this.slot, e);
          }
          break;
        case PHASE_DEVICES:
          releaseMailbox(r, this.slot);
          releaseNetRegistrations(r, this.pid);
          releasePipeSubscription(r, this.pid);
          this.next();
          break;
        case PHASE_PAGES:
          releasePageIpc(r, this.slot, this.pid);
          this.next();
          break;
        case PHASE_FINISH:
          finish(r, this.slot, this.exitCode, this.keepTask);
          this.next();
          break;
      }
    }
    return this.done;
  }

  /** Undoes the bookkeeping of a step whose stores were rolled back, so that it runs again. */
  retry(): void {
    this.phase = this.stepPhase;
    this.cursor = this.stepCursor;
  }

  private next(): void {
    this.phase++;
    this.cursor = 0;
  }
}

/**
 * Settles call slot `cs` as far as dead task `pid` is concerned: one unit of
 * a reap. Kernel lock held.
 */
function settleCall(r: Region, cs: number, pid: number): void {
  const w = r.w;
  const c = r.call(cs);
  const state = w[c + L.C_STATE];
  if (state === L.CALL_FREE) return;
  const caller = w[c + L.C_CALLER] === pid;
  const server = w[c + L.C_SERVER] === pid;
  // Its own call that it received itself (answered by nobody, or given up
  // on): neither a caller nor a server is left to free it.
  if (caller && server && (state === L.CALL_RECEIVED || state === L.CALL_ABANDONED)) freeCall(r, cs);
  else if (caller) {
    if (state === L.CALL_QUEUED) withdrawCallsOf(r, cs, pid);
    else if (state === L.CALL_RECEIVED && r.casLogged(c + L.C_STATE, L.CALL_RECEIVED, L.CALL_ABANDONED)) return;
    else if (w[c + L.C_STATE] === L.CALL_REPLIED || state === L.CALL_CACHED) freeCall(r, cs);
  } else if (server) {
    if (state === L.CALL_RECEIVED) failCall(r, cs, pid, EPIPE);
    else if (state === L.CALL_ABANDONED) freeCall(r, cs);
  }
}

/** The last step: counters lowered, the slot marked exited, every waiter woken to look again. Kernel lock held. */
function finish(r: Region, slot: number, exitCode: number, keepTask: boolean): void {
  const w = r.w;
  const t = r.task(slot);
  for (let i = 0; i <= L.TASK_PARK_RECORDS; i++) {
    // The park records, then the lock-wait record right after them.
    const counter = w[t + L.T_PARK_RECORDS + i]!;
    if (counter !== 0) {
      Atomics.sub(w, counter, 1);
      w[t + L.T_PARK_RECORDS + i] = 0;
    }
  }
  if (Atomics.exchange(w, t + L.T_SPINNING, 0) === 1) Atomics.sub(w, L.H_SPINNERS, 1);
  r.set(t + L.T_BLOCKED_OBJECT, 0);
  r.set(t + L.T_BLOCKED_EVENT, 0);
  if (!keepTask) {
    r.set(t + L.T_EXIT_CODE, exitCode);
    r.set(t + L.T_STATE, L.TASK_EXITED);
  }
  // It may have died between answering a call and waking its caller:
  for (let cs = 0; cs < r.maxCalls; cs++) {
    const c = r.call(cs);
    if (w[c + L.C_STATE] === L.CALL_REPLIED) r.wakeIfWaiting(c + L.C_STATE, c + L.C_WAITERS, Infinity);
  }
  // or between releasing a queue lock and waking the waiters it flagged:
  // wake everyone parked on an object; they re-check and park again.
  for (let o = 0; o < r.maxObjects; o++) {
    const at = r.object(o);
    if (w[at + L.O_TYPE] !== L.OBJ_FREE) wakeObjectWaiters(r, at);
  }
  if (keepTask) return;
  w[L.H_STAT_TASK_EXITS] = w[L.H_STAT_TASK_EXITS]! + 1;
  // Its counters join the kernel's totals.
  w[L.H_STAT_SENDS] = w[L.H_STAT_SENDS]! + w[t + L.T_SENDS]!;
  w[L.H_STAT_RECEIVES] = w[L.H_STAT_RECEIVES]! + w[t + L.T_RECEIVES]!;
  w[L.H_STAT_CALLS] = w[L.H_STAT_CALLS]! + w[t + L.T_CALLS]!;
  w[L.H_STAT_REPLIES] = w[L.H_STAT_REPLIES]! + w[t + L.T_REPLIES]!;
  w[t + L.T_REPLIES] = 0;
  w[t + L.T_SENDS] = 0;
  w[t + L.T_RECEIVES] = 0;
  w[t + L.T_CALLS] = 0;
}
