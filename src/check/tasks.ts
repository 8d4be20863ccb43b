/**
 * The task table (core/task-table.ts, ops/reap.ts): each record's state is one of the
 * TASK_* states; a used slot's pid is slot + 1 + generation * stride, init
 * is slot 0 with pid 1 and never exits; a task's handle count is the number
 * of live entries in its table; a task that is free or reaped holds
 * nothing (handles, mailbox, park records, a blocked-on record, a spinner
 * flag); a task's mailbox is a mailbox object it owns.
 */
import * as L from '../core/layout.js';
import { PERSONALITY_ROU2EXOS, PERSONALITY_STRAT9 } from '../syscalls/numbers.js';
import { pidOf } from '../core/task-table.js';
import type { CheckContext, CheckSection } from './context.js';

const STATES = new Set([L.TASK_FREE, L.TASK_STARTING, L.TASK_RUNNING, L.TASK_EXITED, L.TASK_DYING]);
const PERSONALITIES = new Set([PERSONALITY_STRAT9, PERSONALITY_ROU2EXOS]);
const BLOCKED_EVENTS = new Set([0, L.EVENT_READABLE, L.EVENT_WRITABLE, L.EVENT_REPLY]);

export const tasksSection: CheckSection = {
  name: 'tasks',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    for (let slot = 0; slot < r.maxTasks; slot++) {
      const t = r.task(slot);
      const state = w[t + L.T_STATE]!;
      const pid = w[t + L.T_PID]!;
      const name = ctx.taskName(slot);
      if (!STATES.has(state)) {
        ctx.report(`${name}: state ${state} is no task state`);
        continue;
      }
      if (slot === 0 && (state !== L.TASK_RUNNING || pid !== 1)) ctx.report(`${name}: init must be running with pid 1 (state ${state})`);
      if (state === L.TASK_FREE) {
        if (pid !== 0) ctx.report(`${name}: never used, yet it has a pid`);
      } else {
        if (pid !== pidOf(slot, w[t + L.T_GEN]!)) ctx.report(`${name}: its pid does not match its slot and generation ${w[t + L.T_GEN]}`);
        if (!PERSONALITIES.has(w[t + L.T_PERSONALITY]!)) ctx.report(`${name}: personality ${w[t + L.T_PERSONALITY]} is unknown`);
      }
      const hint = w[t + L.T_HANDLE_HINT]!;
      if (!(hint >= 0 && hint < r.maxHandles)) ctx.report(`${name}: its handle hint ${hint} is outside its table of ${r.maxHandles}`);
      let live = 0;
      for (let i = 0; i < r.maxHandles; i++) if (w[r.handle(slot, i) + L.HD_OBJECT] !== 0) live++;
      const count = w[t + L.T_HANDLE_COUNT]!;
      if (count !== live) ctx.report(`${name}: handle count ${count} but its table holds ${live} handles`);
      const spinning = w[t + L.T_SPINNING]!;
      if (spinning !== 0 && spinning !== 1) ctx.report(`${name}: spinner flag ${spinning} is neither 0 nor 1`);
      const blocked = w[t + L.T_BLOCKED_OBJECT]!;
      if (!(blocked >= 0 && blocked <= r.maxObjects)) ctx.report(`${name}: blocked on object ${blocked - 1}, outside the object table`);
      if (!BLOCKED_EVENTS.has(w[t + L.T_BLOCKED_EVENT]!)) ctx.report(`${name}: blocked for event ${w[t + L.T_BLOCKED_EVENT]}, which is no event`);
      checkMailboxOf(ctx, slot);
      if (state === L.TASK_FREE || state === L.TASK_EXITED) checkHoldsNothing(ctx, slot, live);
    }
  },
};

/** A task's mailbox (T_MAILBOX) is a live mailbox object that the task owns. */
function checkMailboxOf(ctx: CheckContext, slot: number): void {
  const { r, w } = ctx;
  const t = r.task(slot);
  const mailbox = w[t + L.T_MAILBOX]!;
  if (mailbox === 0) return;
  const name = ctx.taskName(slot);
  if (!ctx.isLiveObject(mailbox - 1)) {
    ctx.report(`${name}: its mailbox is object ${mailbox - 1}, which is free or outside the table`);
    return;
  }
  const o = r.object(mailbox - 1);
  if (w[o + L.O_TYPE] !== L.OBJ_MAILBOX) ctx.report(`${name}: its mailbox is ${ctx.objectName(mailbox - 1)}, not a mailbox`);
  else if (w[o + L.O_OWNER] !== w[t + L.T_PID]) ctx.report(`${name}: its mailbox ${ctx.objectName(mailbox - 1)} is owned by pid ${w[o + L.O_OWNER]}`);
}

/** A free or reaped task keeps no handles, mailbox, park records, blocked-on record or spinner flag. */
function checkHoldsNothing(ctx: CheckContext, slot: number, handles: number): void {
  const { r, w } = ctx;
  const t = r.task(slot);
  const name = `${ctx.taskName(slot)}, ${w[t + L.T_STATE] === L.TASK_FREE ? 'free' : 'exited'},`;
  if (handles !== 0) ctx.report(`${name} still has ${handles} handles`);
  if (w[t + L.T_MAILBOX] !== 0) ctx.report(`${name} still has a mailbox`);
  if (w[t + L.T_BLOCKED_OBJECT] !== 0 || w[t + L.T_BLOCKED_EVENT] !== 0) ctx.report(`${name} is still recorded as blocked`);
  if (w[t + L.T_SPINNING] !== 0) ctx.report(`${name} is still counted as spinning`);
  // The park records, then the lock-wait record right after them.
  for (let i = 0; i <= L.TASK_PARK_RECORDS; i++) {
    const counter = w[t + L.T_PARK_RECORDS + i]!;
    if (counter !== 0) ctx.report(`${name} still has park record ${i} naming word ${counter}`);
  }
}
