/**
 * The task table: allocating task slots (pids and their generations are in
 * pids.ts).
 */
import * as L from './layout.js';
import { ENOMEM } from './errno.js';
import type { Region } from './region.js';
import { type Quotas, setQuotas } from './quota.js';
import { MAX_GENERATION, pidOf } from './pids.js';

export { pidOf, liveSlotOf } from './pids.js';

/**
 * Claims a free (or exited) task slot for a new task with these quota
 * limits (docs/quotas.md), refusing grants from other tasks if
 * `refuseGrants`. Lock held. Returns the slot, or -ENOMEM when the task
 * table is full.
 */
export function allocTask(r: Region, parentPid: number, personality: number, quotas: Quotas, refuseGrants: boolean): number {
  const w = r.w;
  for (let slot = 1; slot < r.maxTasks; slot++) {
    const t = r.task(slot);
    const state = w[t + L.T_STATE];
    if (state !== L.TASK_FREE && state !== L.TASK_EXITED) continue;
    const gen = state === L.TASK_EXITED ? (w[t + L.T_GEN]! + 1) % MAX_GENERATION : w[t + L.T_GEN]!;
    r.set(t + L.T_GEN, gen);
    r.set(t + L.T_PID, pidOf(slot, gen));
    r.set(t + L.T_PERSONALITY, personality);
    r.set(t + L.T_PARENT, parentPid);
    r.set(t + L.T_EXIT_CODE, 0);
    r.set(t + L.T_BLOCKED_OBJECT, 0);
    r.set(t + L.T_BLOCKED_EVENT, 0);
    r.set(t + L.T_HANDLE_COUNT, 0);
    r.set(t + L.T_HANDLE_HINT, 0);
    r.set(t + L.T_SENDS, 0);
    r.set(t + L.T_RECEIVES, 0);
    r.set(t + L.T_CALLS, 0);
    r.set(t + L.T_REPLIES, 0);
    r.set(t + L.T_SPINNING, 0);
    r.set(t + L.T_MAILBOX, 0);
    r.set(t + L.T_PAGES_IN_FLIGHT, 0);
    r.set(t + L.T_PAGES_MAPPED, 0);
    r.set(t + L.T_PAGES_PENDING, 0);
    r.set(t + L.T_PENDING_FIRST, 0);
    r.set(t + L.T_PENDING_LAST, 0);
    r.set(t + L.T_OS_PID, 0);
    setQuotas(r, slot, quotas, refuseGrants);
    for (let i = 0; i <= L.TASK_PARK_RECORDS; i++) r.set(t + L.T_PARK_RECORDS + i, 0);
    r.set(t + L.T_STATE, L.TASK_STARTING);
    return slot;
  }
  return -ENOMEM;
}
