/**
 * What port rings hold (objects/port/send.ts, receive.ts, core/queue.ts):
 * - a queued slot has its sender's pid (a receiver zeroes it only while it
 *   takes the message, under the queue lock); a handle in flight in it
 *   comes with the transfer flag; a call in it is queued, on this port, at
 *   this slot;
 * - a ring slot that is not queued has a clean bookkeeping line (no call,
 *   no handle in flight);
 * - no handle is in flight in a message slot outside every ring (revoke
 *   and close scan every slot, and would act on it).
 * Queues with an operation under way (a live task holds a queue lock) are
 * skipped.
 */
import * as L from '../core/layout.js';
import type { CheckContext, CheckSection } from './context.js';
import { isQueuedIndex } from './queue-view.js';

export const portQueuesSection: CheckSection = {
  name: 'port queues',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    for (const slot of ctx.objectsOfType(L.OBJ_PORT)) {
      const o = r.object(slot);
      if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED || ctx.queueBusy(o)) continue;
      const first = w[o + L.O_RING]!;
      const size = w[o + L.O_CAPACITY]! + 1;
      if (!(first >= 0 && first + size <= r.messageSlots)) continue;
      const head = w[o + L.O_HEAD]!;
      const tail = w[o + L.O_TAIL]!;
      if (!(head >= 0 && head < size && tail >= 0 && tail < size)) continue;
      for (let index = 0; index < size; index++) {
        const m = first + index;
        if (isQueuedIndex(w, o, index)) checkQueuedSlot(ctx, slot, m);
        else checkCleanSlot(ctx, slot, m);
      }
    }
    for (let m = 0; m < r.messageSlots; m++) {
      const object = w[r.message(m) + L.M_XFER_OBJECT]!;
      if (object !== 0 && ctx.messageOwnerOf(m) < 0) ctx.report(`message slot ${m}: in no ring, yet a handle to object ${object - 1} is in flight in it`);
    }
  },
};

function checkQueuedSlot(ctx: CheckContext, port: number, m: number): void {
  const { r, w } = ctx;
  const at = r.message(m);
  const name = `message slot ${m} (queued on ${ctx.objectName(port)})`;
  if (w[at + L.M_SENDER_PID] === 0) ctx.report(`${name}: has no sender pid, as if taken but the head never moved past it`);
  if (w[at + L.M_XFER_OBJECT] !== 0 && (w[at + L.M_FLAGS]! & L.SLOT_FLAG_TRANSFER) === 0) ctx.report(`${name}: carries a handle but not the transfer flag`);
  const call = w[at + L.M_CALL]!;
  if (call === 0) {
    if (w[at + L.M_CALL_TOKEN] !== 0) ctx.report(`${name}: carries call token ${w[at + L.M_CALL_TOKEN]} but no call`);
    return;
  }
  if (!(call >= 1 && call <= r.maxCalls)) {
    ctx.report(`${name}: names call slot ${call - 1}, outside the table`);
    return;
  }
  const c = r.call(call - 1);
  if (w[c + L.C_STATE] !== L.CALL_QUEUED) ctx.report(`${name}: names call slot ${call - 1}, which is not queued (state ${w[c + L.C_STATE]})`);
  else if (w[c + L.C_PORT] !== port || w[c + L.C_MESSAGE] !== m) {
    ctx.report(`${name}: names call slot ${call - 1}, which says it is queued on object ${w[c + L.C_PORT]} at message slot ${w[c + L.C_MESSAGE]}`);
  }
}

function checkCleanSlot(ctx: CheckContext, port: number, m: number): void {
  const { r, w } = ctx;
  const at = r.message(m);
  if (w[at + L.M_CALL] !== 0) ctx.report(`message slot ${m} (free in the ring of ${ctx.objectName(port)}): still names call slot ${w[at + L.M_CALL]! - 1}`);
  if (w[at + L.M_XFER_OBJECT] !== 0) ctx.report(`message slot ${m} (free in the ring of ${ctx.objectName(port)}): still holds a handle in flight to object ${w[at + L.M_XFER_OBJECT]! - 1}`);
}
