/**
 * Parked tasks and the words that say whom to wake (ops/park.ts, wait-many.ts,
 * reap.ts):
 * - a park record of a task not yet reaped names a waiter counter:
 *   H_POLLERS, an object type's waiter counter (ObjectType.waiters: a
 *   semaphore's O_SEM_WAITERS), a call's C_WAITERS, a keyboard
 *   subscriber's P_WAITERS, or a task's T_PAGE_WAITERS;
 * - each of those counters (but T_PAGE_WAITERS, page IPC's) is at least
 *   the number of park records naming it: a waiter counted in fewer could
 *   be missed by its waker (a lost wake-up). It may be more: a task raises
 *   a counter before it notes the record and clears the record before it
 *   lowers the counter, so one killed in between (or one that parked more
 *   than TASK_PARK_RECORDS times at once) leaves the counter raised for
 *   good, which costs only needless wake-ups (park.ts);
 * - H_SPINNERS is at least the number of tasks whose spinner flag is up
 *   (raised before the flag, lowered after it: the same leak is possible);
 * - a live task recorded as blocked on an object has a way to be woken:
 *   on a queue, the flag on the lock whose release commits what it waits
 *   for, unless that is already there (a waiter woken, not yet run); on an
 *   object whose type counts its waiters (a semaphore), a park record of its
 *   own naming that counter, unless what it waits for holds already.
 */
import * as L from '../core/layout.js';
import { hasQueue } from '../core/queue.js';
import { isUnreaped, type CheckContext, type CheckSection } from './context.js';
import { queueEventReady } from './queue-view.js';
import { OBJECT_TYPES, objectTypeOf } from '../objects/registry.js';

export const waitersSection: CheckSection = {
  name: 'waiters',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const records = new Map<number, number>();
    let spinning = 0;
    for (let slot = 0; slot < r.maxTasks; slot++) {
      const t = r.task(slot);
      if (Atomics.load(w, t + L.T_SPINNING) === 1) spinning++;
      if (!isUnreaped(w[t + L.T_STATE]!)) continue;
      for (let i = 0; i < L.TASK_PARK_RECORDS; i++) {
        const word = Atomics.load(w, t + L.T_PARK_RECORDS + i);
        if (word !== 0) records.set(word, (records.get(word) ?? 0) + 1);
      }
    }
    const counters = waiterCounters(ctx);
    for (const [word, count] of records) {
      const counter = counters.get(word);
      if (counter === undefined) ctx.report(`park records: ${count} name word ${word}, which is no waiter counter`);
    }
    for (const [word, counter] of counters) {
      if (!counter.checked) continue;
      const value = Atomics.load(w, word);
      const noted = records.get(word) ?? 0;
      if (value < 0) ctx.report(`${counter.name}: waiter count ${value} is negative`);
      else if (value < noted) ctx.report(`${counter.name}: waiter count ${value} but ${noted} park records name it (a waiter may never be woken)`);
    }
    const spinners = Atomics.load(w, L.H_SPINNERS);
    if (spinners < spinning) ctx.report(`header: ${spinners} spinners counted but ${spinning} tasks have their spinner flag up`);
    for (let slot = 0; slot < r.maxTasks; slot++) if (ctx.isAlive(slot)) checkBlocked(ctx, slot);
  },
};

interface Counter {
  name: string;
  /** Whether its value must match its park records (page IPC's are left to that section). */
  checked: boolean;
}

/** Every word a park record may name, with a name for reports. */
function waiterCounters(ctx: CheckContext): Map<number, Counter> {
  const { r } = ctx;
  const counters = new Map<number, Counter>();
  counters.set(L.H_POLLERS, { name: 'header: pollers', checked: true });
  for (const type of OBJECT_TYPES) {
    if (type.waiters === undefined) continue;
    for (const slot of ctx.objectsOfType(type.type)) counters.set(type.waiters.counter(r.object(slot)), { name: ctx.objectName(slot), checked: true });
  }
  for (let cs = 0; cs < r.maxCalls; cs++) counters.set(r.call(cs) + L.C_WAITERS, { name: `call slot ${cs}`, checked: true });
  for (let i = 0; i < L.PIPE_SUBSCRIBERS; i++) counters.set(r.pipe(i) + L.P_WAITERS, { name: `keyboard subscriber ${i}`, checked: true });
  for (let slot = 0; slot < r.maxTasks; slot++) counters.set(r.task(slot) + L.T_PAGE_WAITERS, { name: `${ctx.taskName(slot)} page deliveries`, checked: false });
  return counters;
}

/** A live task recorded as blocked on an object can be woken (see the file's comment). */
function checkBlocked(ctx: CheckContext, slot: number): void {
  const { r, w } = ctx;
  const t = r.task(slot);
  const objectPlusOne = Atomics.load(w, t + L.T_BLOCKED_OBJECT);
  const event = Atomics.load(w, t + L.T_BLOCKED_EVENT);
  if (objectPlusOne === 0 || event === L.EVENT_REPLY || !ctx.isLiveObject(objectPlusOne - 1)) return;
  const o = r.object(objectPlusOne - 1);
  const type = w[o + L.O_TYPE]!;
  const name = `${ctx.taskName(slot)}: blocked on ${ctx.objectName(objectPlusOne - 1)}`;
  if (hasQueue(type)) {
    if (event !== L.EVENT_READABLE && event !== L.EVENT_WRITABLE) return;
    if (queueEventReady(w, o, event)) return;
    const lock = o + (event === L.EVENT_READABLE ? L.O_SEND_LOCK : L.O_RECV_LOCK);
    if ((Atomics.load(w, lock) & L.QUEUE_PEERS_WAITING) === 0) {
      ctx.report(`${name} for ${event === L.EVENT_READABLE ? 'a message' : 'room'}, but nothing flags its queue to wake it (lost wake-up)`);
    }
    return;
  }
  const waiters = objectTypeOf(type)?.waiters;
  if (waiters !== undefined) {
    if (waiters.satisfied(w, o)) return;
    const counter = waiters.counter(o);
    let taken = 0;
    for (let i = 0; i < L.TASK_PARK_RECORDS; i++) {
      const word = Atomics.load(w, t + L.T_PARK_RECORDS + i);
      if (word === counter) return;
      if (word !== 0) taken++;
    }
    // Out of records, it counted itself without one.
    if (taken === L.TASK_PARK_RECORDS) return;
    ctx.report(`${name}, but it is not counted among its waiters (lost wake-up)`);
  }
}
