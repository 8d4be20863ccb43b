/**
 * The call table (objects/port/call.ts, ops/reap.ts):
 * - the free list links exactly the free slots, once each; the header's
 *   count of call slots in use is the number of other slots (calls in
 *   flight, and slots kept by their last caller);
 * - each state's parties are tasks the reaper has not cleaned yet: a queued,
 *   received, replied or kept slot's caller, and a received or abandoned
 *   call's server (the reaper answers, withdraws, abandons or frees every
 *   call of a task it reaps);
 * - a queued call sits in exactly one queued slot of the live port it
 *   names, which carries its token (only a caller being reaped may have a
 *   call detached from its slot); other calls sit in no slot.
 * Port queues' side of this (a queued slot's call is queued there) is
 * checked by the port queue section.
 */
import * as L from '../core/layout.js';
import { callToken } from '../objects/port/call.js';
import type { CheckContext, CheckSection } from './context.js';
import { isQueuedIndex } from './queue-view.js';

const STATE_NAMES: Readonly<Record<number, string>> = {
  [L.CALL_FREE]: 'free',
  [L.CALL_QUEUED]: 'queued',
  [L.CALL_RECEIVED]: 'received',
  [L.CALL_REPLIED]: 'replied',
  [L.CALL_ABANDONED]: 'abandoned',
  [L.CALL_CACHED]: 'kept',
};

export const callsSection: CheckSection = {
  name: 'calls',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const onFreeList = walkFreeList(ctx);
    let used = 0;
    for (let cs = 0; cs < r.maxCalls; cs++) {
      const c = r.call(cs);
      const state = w[c + L.C_STATE]!;
      const stateName = STATE_NAMES[state];
      if (stateName === undefined) {
        ctx.report(`call slot ${cs}: state ${state} is no call state`);
        continue;
      }
      if (state === L.CALL_FREE) {
        if (!onFreeList[cs]) ctx.report(`call slot ${cs}: free but not on the free list (lost for good)`);
        continue;
      }
      used++;
      const name = `call slot ${cs} (${stateName})`;
      const caller = w[c + L.C_CALLER]!;
      const server = w[c + L.C_SERVER]!;
      if (state !== L.CALL_ABANDONED && ctx.unreapedSlotOf(caller) < 0) ctx.report(`${name}: its caller pid ${caller} is no task (it should have been cleaned up with it)`);
      if ((state === L.CALL_RECEIVED || state === L.CALL_ABANDONED) && ctx.unreapedSlotOf(server) < 0) {
        ctx.report(`${name}: its server pid ${server} is no task (it should have been cleaned up with it)`);
      }
      const callerSlot = ctx.unreapedSlotOf(caller);
      if (state !== L.CALL_CACHED && callerSlot >= 0) {
        const token = callToken(r, cs);
        if (token === 0) ctx.report(`${name}: its token is 0 (0 names no call)`);
        else if (w[r.callTableEntry(callerSlot, token)] !== cs + 1) ctx.report(`${name}: its caller's call table does not lead to it from its token ${token >>> 0} (a reply could not find it)`);
      }
      if (state === L.CALL_QUEUED) checkQueuedCall(ctx, cs, name);
      else if (w[c + L.C_MESSAGE] !== -1) ctx.report(`${name}: still points at message slot ${w[c + L.C_MESSAGE]}`);
    }
    const counted = w[L.H_CALLS_USED]!;
    if (counted !== used) ctx.report(`header: ${counted} call slots counted in use but ${used} are not free`);
  },
};

/** A queued call: on a live port, in a queued slot of its ring that names it (or detached, its caller being reaped). */
function checkQueuedCall(ctx: CheckContext, cs: number, name: string): void {
  const { r, w } = ctx;
  const c = r.call(cs);
  const port = w[c + L.C_PORT]!;
  const m = w[c + L.C_MESSAGE]!;
  if (!ctx.isLiveObject(port) || w[r.object(port) + L.O_TYPE] !== L.OBJ_PORT) {
    ctx.report(`${name}: queued on object ${port}, which is no live port`);
    return;
  }
  const o = r.object(port);
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) {
    ctx.report(`${name}: still queued on ${ctx.objectName(port)}, which is destroyed (its calls get EPIPE)`);
    return;
  }
  if (m === -1) {
    const caller = ctx.unreapedSlotOf(w[c + L.C_CALLER]!);
    if (caller >= 0 && ctx.isAlive(caller)) ctx.report(`${name}: detached from its message though its caller is alive`);
    return;
  }
  if (ctx.queueBusy(o)) return;
  if (!(m >= 0 && m < r.messageSlots) || ctx.messageOwnerOf(m) !== port) {
    ctx.report(`${name}: its message slot ${m} is not in the ring of ${ctx.objectName(port)}`);
    return;
  }
  const at = r.message(m);
  if (!isQueuedIndex(w, o, m - w[o + L.O_RING]!)) ctx.report(`${name}: its message slot ${m} is not between the head and tail of ${ctx.objectName(port)}`);
  else if (w[at + L.M_CALL] !== cs + 1) ctx.report(`${name}: its message slot ${m} names call ${w[at + L.M_CALL]! - 1}`);
  else if (w[at + L.M_CALL_TOKEN] !== callToken(r, cs)) ctx.report(`${name}: its message slot ${m} carries token ${w[at + L.M_CALL_TOKEN]}, not the call's ${callToken(r, cs)}`);
}

/** Follows the free list from H_CALL_FREE; reports bad links, cycles and used slots on it. Returns which slots it reached. */
function walkFreeList(ctx: CheckContext): Uint8Array {
  const { r, w } = ctx;
  const reached = new Uint8Array(r.maxCalls);
  let from = 'header: the call free list';
  for (let cs = w[L.H_CALL_FREE]!; cs !== -1; cs = w[r.call(cs) + L.C_NEXT_FREE]!) {
    if (!(Number.isInteger(cs) && cs >= 0 && cs < r.maxCalls)) {
      ctx.report(`${from} links to call slot ${cs}, outside the table`);
      break;
    }
    if (reached[cs]) {
      ctx.report(`${from} links back to call slot ${cs}: the free list has a cycle`);
      break;
    }
    reached[cs] = 1;
    if (w[r.call(cs) + L.C_STATE] !== L.CALL_FREE) ctx.report(`call slot ${cs} is in use but on the free list`);
    from = `free call slot ${cs}`;
  }
  return reached;
}
