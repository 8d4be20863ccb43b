/**
 * What happens when a task dies (SPEC section 3, "When a task dies"). Run by
 * the supervisor, under the kernel lock, once the task's thread has stopped
 * for good.
 */
import * as L from './layout.js';
import { EPIPE } from './errno.js';
import type { Region } from './region.js';
import '../objects/all.js';
import { releaseAllHandles } from './handles.js';
import { failCall, freeCall, withdrawQueuedCall } from '../objects/call.js';
import { removeBindingsBy } from '../objects/namespace.js';
import { writePolicyLocked } from '../objects/namespace-policy.js';
import { releaseMailbox } from '../objects/mailbox.js';
import { releaseNetRegistrations } from '../objects/network.js';
import { releasePipeSubscription } from '../objects/keyboard-pipe.js';
import { releasePageIpc } from '../objects/page-ipc.js';
import { wakeObjectWaiters } from './objects.js';

/**
 * Reaps the task in `slot`. Queue locks it held must already have been taken
 * over and repaired in a critical section of their own (the supervisor does
 * that first), so that backing off from this one never undoes a repair.
 * 1. calls it received and did not answer get an EPIPE reply;
 * 2-3. ports it owns are destroyed (blocked senders and receivers wake with
 *    EPIPE, queued calls get EPIPE replies, plain sends are dropped);
 * 4. its handles are released, freeing objects left without handles;
 * 5. its namespace bindings and namespace policy, mailbox (queued messages are dropped), network
 *    registrations, keyboard subscription, pages and page deliveries
 *    pending to it go (what it sent stays in flight); calls it made are
 *    withdrawn or abandoned; waiter counters it raised are lowered.
 */
export function reapTask(r: Region, slot: number, exitCode: number): void {
  const w = r.w;
  const t = r.task(slot);
  const pid = w[t + L.T_PID]!;
  r.set(t + L.T_STATE, L.TASK_EXITED);
  r.set(t + L.T_EXIT_CODE, exitCode);
  for (let cs = 0; cs < r.maxCalls; cs++) {
    const c = r.call(cs);
    const state = w[c + L.C_STATE];
    if (state === L.CALL_FREE) continue;
    // Its own call that it received itself (answered by nobody, or given
    // up on): neither a caller nor a server is left to free it.
    const own = w[c + L.C_CALLER] === pid && w[c + L.C_SERVER] === pid;
    if (own && (state === L.CALL_RECEIVED || state === L.CALL_ABANDONED)) freeCall(r, cs);
    else if (w[c + L.C_CALLER] === pid) {
      if (state === L.CALL_QUEUED) withdrawQueuedCall(r, cs);
      else if (state === L.CALL_RECEIVED && r.casLogged(c + L.C_STATE, L.CALL_RECEIVED, L.CALL_ABANDONED)) continue;
      else if (w[c + L.C_STATE] === L.CALL_REPLIED || state === L.CALL_CACHED) freeCall(r, cs);
    } else if (w[c + L.C_SERVER] === pid) {
      if (state === L.CALL_RECEIVED) failCall(r, cs, pid, EPIPE);
      else if (state === L.CALL_ABANDONED) freeCall(r, cs);
    }
  }
  releaseAllHandles(r, slot);
  removeBindingsBy(r, pid);
  writePolicyLocked(r, slot, undefined);
  releaseMailbox(r, slot);
  releaseNetRegistrations(r, pid);
  releasePipeSubscription(r, pid);
  releasePageIpc(r, slot, pid);
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
  // It may have died between answering a call and waking its caller:
  for (let cs = 0; cs < r.maxCalls; cs++) {
    const c = r.call(cs);
    if (Atomics.load(w, c + L.C_WAITERS) > 0 && w[c + L.C_STATE] === L.CALL_REPLIED) Atomics.notify(w, c + L.C_STATE);
  }
  // or between releasing a queue lock and waking the waiters it flagged:
  // wake everyone parked on an object; they re-check and park again.
  for (let o = 0; o < r.maxObjects; o++) {
    const at = r.object(o);
    if (w[at + L.O_TYPE] !== L.OBJ_FREE) wakeObjectWaiters(w, at);
  }
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
