/**
 * Every queue (queue.ts: ports, channels, ring streams, mailboxes):
 * - its lock words hold only a holder tag and the two flags, and a holder
 *   is a live or dying task (a dying one's locks are recovered when it is
 *   reaped); never the checking thread or the supervisor, which take queue
 *   locks only inside a critical section, and never a free or reaped task;
 * - unless destroyed, its capacity is at least 1 and its head and tail lie
 *   in the ring;
 * - with no operation under way, the receivers' cached tail lies between
 *   head and tail (a receiver takes entries up to it) and the senders'
 *   cached head at or before the head (a sender counts room from it).
 *   Ring streams keep no cached indices.
 */
import * as L from '../core/layout.js';
import { SUPERVISOR_TAG } from '../core/region.js';
import { hasQueue } from '../core/queue.js';
import type { CheckContext, CheckSection } from './context.js';
import { ringDistance } from './queue-view.js';

const LOCK_NAMES: Readonly<Record<number, string>> = { [L.O_SEND_LOCK]: 'send lock', [L.O_RECV_LOCK]: 'receive lock' };

export const queuesSection: CheckSection = {
  name: 'queues',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    for (let slot = 0; slot < r.maxObjects; slot++) {
      const o = r.object(slot);
      const type = w[o + L.O_TYPE]!;
      if (!hasQueue(type)) continue;
      for (const which of [L.O_SEND_LOCK, L.O_RECV_LOCK]) checkLockWord(ctx, slot, which);
      if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) continue;
      const name = ctx.objectName(slot);
      const capacity = w[o + L.O_CAPACITY]!;
      if (capacity < 1) {
        ctx.report(`${name}: capacity ${capacity}`);
        continue;
      }
      const head = w[o + L.O_HEAD]!;
      const tail = w[o + L.O_TAIL]!;
      if (!(head >= 0 && head <= capacity && tail >= 0 && tail <= capacity)) {
        ctx.report(`${name}: head/tail ${head}/${tail} outside its ring of ${capacity + 1} positions`);
        continue;
      }
      if (type === L.OBJ_RING || ctx.queueBusy(o)) continue;
      const size = capacity + 1;
      const queued = ringDistance(head, tail, size);
      const cachedTail = w[o + L.O_CACHED_TAIL]!;
      const cachedHead = w[o + L.O_CACHED_HEAD]!;
      if (!(cachedTail >= 0 && cachedTail <= capacity) || ringDistance(head, cachedTail, size) > queued) {
        ctx.report(`${name}: receivers' cached tail ${cachedTail} is not between head ${head} and tail ${tail}`);
      }
      if (!(cachedHead >= 0 && cachedHead <= capacity) || ringDistance(cachedHead, tail, size) < queued) {
        ctx.report(`${name}: senders' cached head ${cachedHead} is past head ${head} (tail ${tail}), so they would count room that is not there`);
      }
    }
  },
};

function checkLockWord(ctx: CheckContext, slot: number, which: number): void {
  const { r, w } = ctx;
  const value = Atomics.load(w, r.object(slot) + which);
  const name = `${ctx.objectName(slot)}: its ${LOCK_NAMES[which]}`;
  if (value & ~(L.QUEUE_LOCK_TAG_MASK | L.QUEUE_LOCK_FLAGS)) ctx.report(`${name} word ${value.toString(16)} has bits that are neither tag nor flag`);
  const holder = value & L.QUEUE_LOCK_TAG_MASK;
  if (holder === 0) return;
  if (holder === r.lockTag) ctx.report(`${name} is held by the checking thread outside any operation`);
  else if (holder === SUPERVISOR_TAG) ctx.report(`${name} is held by the supervisor outside its critical sections`);
  else if (holder > r.maxTasks) ctx.report(`${name} is held by tag ${holder}, which is no task slot`);
  else {
    const state = w[r.task(holder - 1) + L.T_STATE];
    if (state === L.TASK_FREE || state === L.TASK_EXITED) ctx.report(`${name} is held by task slot ${holder - 1}, which is ${state === L.TASK_FREE ? 'free' : 'exited'} (never recovered)`);
  }
}
