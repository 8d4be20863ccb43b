/**
 * Every count an object keeps of who names it, against a census of the
 * holders (handles.ts, mailbox.ts, network.ts, namespace.ts):
 * - O_REFS: handles in any task's table, handles in flight in message
 *   slots, the task whose mailbox it is, the network interface whose
 *   transmit queue it is (namespace bindings and calls hold none);
 * - O_OWNER_HANDLES: handles with the read right in its owner's table; a
 *   port that is not destroyed has at least one (it dies with the last);
 * - a channel's O_READERS and O_WRITERS: handles, installed or in flight,
 *   with the read and the write right;
 * - O_BINDINGS: namespace entries naming it.
 */
import * as L from '../core/layout.js';
import { objectTypeOf } from '../objects/registry.js';
import type { CheckContext, CheckSection } from './context.js';

/** Holders of each object, by object slot. */
interface Census {
  handles: Int32Array;
  inFlight: Int32Array;
  /** Task mailboxes and the network transmit queue. */
  kernelHeld: Int32Array;
  ownerReaders: Int32Array;
  readers: Int32Array;
  writers: Int32Array;
  bindings: Int32Array;
}

export const referencesSection: CheckSection = {
  name: 'references',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const c = takeCensus(ctx);
    for (let slot = 0; slot < r.maxObjects; slot++) {
      const o = r.object(slot);
      const type = w[o + L.O_TYPE]!;
      if (type === L.OBJ_FREE) continue;
      const kind = objectTypeOf(type);
      const name = ctx.objectName(slot);
      const holders = c.handles[slot]! + c.inFlight[slot]! + c.kernelHeld[slot]!;
      const refs = w[o + L.O_REFS]!;
      if (refs !== holders) {
        ctx.report(`${name}: ${refs} references but ${holders} holders (${c.handles[slot]} handles, ${c.inFlight[slot]} in flight, ${c.kernelHeld[slot]} held by the kernel)`);
      }
      const ownerHandles = w[o + L.O_OWNER_HANDLES]!;
      if (ownerHandles !== c.ownerReaders[slot]) ctx.report(`${name}: owner handle count ${ownerHandles} but its owner pid ${w[o + L.O_OWNER]} has ${c.ownerReaders[slot]} handles to it with the read right`);
      if (kind?.endsWithOwnerReceiver && !(w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) && c.ownerReaders[slot] === 0) {
        ctx.report(`${name}: not destroyed, yet its owner pid ${w[o + L.O_OWNER]} has no handle that can receive from it`);
      }
      if (kind?.countsEnds) {
        if (w[o + L.O_READERS] !== c.readers[slot]) ctx.report(`${name}: ${w[o + L.O_READERS]} receiver ends counted but ${c.readers[slot]} handles can receive`);
        if (w[o + L.O_WRITERS] !== c.writers[slot]) ctx.report(`${name}: ${w[o + L.O_WRITERS]} sender ends counted but ${c.writers[slot]} handles can send`);
      }
      if (w[o + L.O_BINDINGS] !== c.bindings[slot]) ctx.report(`${name}: ${w[o + L.O_BINDINGS]} bindings counted but ${c.bindings[slot]} namespace entries name it`);
    }
  },
};

function takeCensus(ctx: CheckContext): Census {
  const { r, w } = ctx;
  const n = r.maxObjects;
  const c: Census = {
    handles: new Int32Array(n),
    inFlight: new Int32Array(n),
    kernelHeld: new Int32Array(n),
    ownerReaders: new Int32Array(n),
    readers: new Int32Array(n),
    writers: new Int32Array(n),
    bindings: new Int32Array(n),
  };
  const inTable = (slot: number): boolean => slot >= 0 && slot < n;
  for (let task = 0; task < r.maxTasks; task++) {
    const pid = w[r.task(task) + L.T_PID]!;
    for (let i = 0; i < r.maxHandles; i++) {
      const e = r.handle(task, i);
      const slot = w[e + L.HD_OBJECT]! - 1;
      if (!inTable(slot)) continue;
      const rights = w[e + L.HD_RIGHTS]!;
      c.handles[slot]!++;
      countEnds(c, slot, rights);
      if (rights & L.RIGHT_READ && w[r.object(slot) + L.O_OWNER] === pid) c.ownerReaders[slot]!++;
    }
    const mailbox = w[r.task(task) + L.T_MAILBOX]! - 1;
    if (inTable(mailbox)) c.kernelHeld[mailbox]!++;
  }
  for (let m = 0; m < r.messageSlots; m++) {
    const at = r.message(m);
    const slot = w[at + L.M_XFER_OBJECT]! - 1;
    if (!inTable(slot)) continue;
    c.inFlight[slot]!++;
    countEnds(c, slot, w[at + L.M_XFER_RIGHTS]!);
  }
  const transmitQueue = w[r.net + L.NET_TX]! - 1;
  if (inTable(transmitQueue)) c.kernelHeld[transmitQueue]!++;
  for (let i = 0; i < r.namespaceEntries; i++) {
    const b = r.binding(i);
    const slot = w[b + L.N_OBJECT]! - 1;
    if (w[b + L.N_USED] !== 0 && inTable(slot)) c.bindings[slot]!++;
  }
  return c;
}

function countEnds(c: Census, slot: number, rights: number): void {
  if (rights & L.RIGHT_READ) c.readers[slot]!++;
  if (rights & L.RIGHT_WRITE) c.writers[slot]!++;
}
