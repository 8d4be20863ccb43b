/**
 * Quotas (quota.ts, docs/quotas.md): each live task is charged exactly for
 * what it holds: granted handles in its table, live objects it created, the
 * message slots of its ports' rings, the pool pages of its channels and
 * rings, the bindings it made, the call slots of its calls, the deliveries
 * it sent still in flight; no charge exceeds its limit; its grant flag is 0
 * or 1 and its handles carry only known flags. A leaked or lost charge is
 * reported with what the task really holds.
 */
import * as L from '../core/layout.js';
import { QUOTA_NAMES, quotaUsedWord } from '../core/quota.js';
import { objectTypeOf } from '../objects/registry.js';
import type { CheckContext, CheckSection } from './context.js';

export const quotasSection: CheckSection = {
  name: 'quotas',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const held = new Map<number, number[]>();
    for (let slot = 0; slot < r.maxTasks; slot++) {
      const state = w[r.task(slot) + L.T_STATE];
      if (state === L.TASK_RUNNING || state === L.TASK_STARTING) held.set(w[r.task(slot) + L.T_PID]!, new Array<number>(L.QUOTA_KINDS).fill(0));
    }
    const count = (pid: number, kind: number, amount: number): void => {
      const row = held.get(pid);
      if (row) row[kind]! += amount;
    };
    for (let slot = 0; slot < r.maxObjects; slot++) {
      if (!ctx.isLiveObject(slot)) continue;
      const o = r.object(slot);
      const creator = w[o + L.O_CREATOR]!;
      count(creator, L.QUOTA_OBJECTS, 1);
      objectTypeOf(w[o + L.O_TYPE]!)?.reserved(w, o, (quota, amount) => count(creator, quota, amount));
    }
    for (let i = 0; i < r.namespaceEntries; i++) {
      const n = r.binding(i);
      if (w[n + L.N_USED] !== 0) count(w[n + L.N_BINDER]!, L.QUOTA_NAMES, 1);
    }
    for (let cs = 0; cs < r.maxCalls; cs++) {
      const c = r.call(cs);
      if (w[c + L.C_STATE] !== L.CALL_FREE) count(w[c + L.C_CALLER]!, L.QUOTA_CALLS, 1);
    }
    for (let d = 0; d < r.deliveryCount; d++) {
      const at = r.delivery(d);
      if (w[at + L.D_STATE] !== L.DELIVERY_FREE) count(w[at + L.D_SENDER]!, L.QUOTA_DELIVERIES, 1);
    }
    for (let slot = 0; slot < r.maxTasks; slot++) {
      const t = r.task(slot);
      const row = held.get(w[t + L.T_PID]!);
      if (!row || w[t + L.T_STATE] === L.TASK_FREE) continue;
      const name = ctx.taskName(slot);
      for (let i = 0; i < r.maxHandles; i++) {
        const e = r.handle(slot, i);
        if (w[e + L.HD_OBJECT] === 0) continue;
        const flags = w[e + L.HD_FLAGS]!;
        if ((flags & ~L.HANDLE_FLAG_GRANTED) !== 0) ctx.report(`${name}: handle entry ${i} has unknown flags ${flags}`);
        if (flags & L.HANDLE_FLAG_GRANTED) row[L.QUOTA_RECEIVED_HANDLES]! += 1;
      }
      QUOTA_NAMES.forEach((quota, kind) => {
        const used = w[t + quotaUsedWord(kind)]!;
        const limit = w[t + L.T_QUOTA_LIMITS + kind]!;
        if (kind !== L.QUOTA_HANDLES && used !== row[kind]) ctx.report(`${name}: charged ${used} for quota '${quota}' but holds ${row[kind]}`);
        if (used > limit) ctx.report(`${name}: charged ${used} for quota '${quota}', past its limit ${limit}`);
      });
      const refuses = w[t + L.T_REFUSES_GRANTS]!;
      if (refuses !== 0 && refuses !== 1) ctx.report(`${name}: grant refusal flag ${refuses} is neither 0 nor 1`);
    }
  },
};
