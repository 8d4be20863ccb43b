/**
 * The handle tables and the lineage tree revoke follows (handles.ts):
 * - a live entry names a live object of the same generation, with rights
 *   among the five, in the table of a task that is not free or reaped;
 * - a free entry has no parent link;
 * - a parent link (of an entry, or of a handle in flight in a message slot)
 *   names a live entry for the same object; an entry's child count is the
 *   number of entries and handles in flight linked to it; following parent
 *   links never loops;
 * - the header's count of handles in use matches the tables.
 */
import * as L from '../core/layout.js';
import type { CheckContext, CheckSection } from './context.js';

/** handles.ts wraps entry generations at this value. */
const HANDLE_GEN_LIMIT = Math.floor(0x7fffffff / L.HANDLE_INDEX_STRIDE);

export const handlesSection: CheckSection = {
  name: 'handles',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const total = r.maxTasks * r.maxHandles;
    const children = new Int32Array(total);
    let used = 0;
    for (let i = 0; i < total; i++) {
      const e = r.handles + i * L.HANDLE_WORDS;
      if (w[e + L.HD_OBJECT] === 0) {
        if (w[e + L.HD_PARENT] !== 0) ctx.report(`${entryName(ctx, i)}: free but still linked to a parent`);
        continue;
      }
      used++;
      const name = entryName(ctx, i);
      const state = w[r.task(Math.floor(i / r.maxHandles)) + L.T_STATE];
      if (state === L.TASK_FREE || state === L.TASK_EXITED) ctx.report(`${name}: live in the table of a task that is ${state === L.TASK_FREE ? 'free' : 'exited'}`);
      checkNamedObject(ctx, name, w[e + L.HD_OBJECT]!, w[e + L.HD_OBJECT_GEN]!);
      const rights = w[e + L.HD_RIGHTS]!;
      if (rights & ~L.RIGHTS_ALL) ctx.report(`${name}: rights ${rights} include bits that are no right`);
      const gen = w[e + L.HD_GEN]!;
      if (!(gen >= 0 && gen < HANDLE_GEN_LIMIT)) ctx.report(`${name}: generation ${gen} is out of range`);
      countParent(ctx, name, w[e + L.HD_PARENT]!, w[e + L.HD_OBJECT]!, children);
    }
    for (let m = 0; m < r.messageSlots; m++) {
      const at = r.message(m);
      const object = w[at + L.M_XFER_OBJECT]!;
      if (object === 0) continue;
      const name = `the handle in flight in message slot ${m}`;
      if (!(object >= 1 && object <= r.maxObjects)) ctx.report(`${name}: names object ${object - 1}, outside the table`);
      else if (!ctx.isLiveObject(object - 1)) ctx.report(`${name}: names object ${object - 1}, which is free`);
      if (w[at + L.M_XFER_RIGHTS]! & ~L.RIGHTS_ALL) ctx.report(`${name}: rights ${w[at + L.M_XFER_RIGHTS]} include bits that are no right`);
      countParent(ctx, name, w[at + L.M_XFER_PARENT]!, object, children);
    }
    for (let i = 0; i < total; i++) {
      const e = r.handles + i * L.HANDLE_WORDS;
      if (w[e + L.HD_OBJECT] === 0) continue;
      if (w[e + L.HD_CHILDREN] !== children[i]) ctx.report(`${entryName(ctx, i)}: child count ${w[e + L.HD_CHILDREN]} but ${children[i]} handles derive from it`);
    }
    findCycles(ctx, total);
    const counted = w[L.H_HANDLES_USED]!;
    if (counted !== used) ctx.report(`header: ${counted} handles counted in use but the tables hold ${used}`);
  },
};

/** "handle 3 of task slot 1 (pid 2)" for entry `i` of all the tables. */
function entryName(ctx: CheckContext, i: number): string {
  return `handle ${i % ctx.r.maxHandles} of ${ctx.taskName(Math.floor(i / ctx.r.maxHandles))}`;
}

/** The index (over all tables) of the entry at word `e`, or -1 when `e` is not the first word of an entry. */
function entryIndexOf(ctx: CheckContext, e: number): number {
  const offset = e - ctx.r.handles;
  if (offset < 0 || offset % L.HANDLE_WORDS !== 0) return -1;
  const i = offset / L.HANDLE_WORDS;
  return i < ctx.r.maxTasks * ctx.r.maxHandles ? i : -1;
}

function checkNamedObject(ctx: CheckContext, name: string, objectPlusOne: number, gen: number): void {
  const slot = objectPlusOne - 1;
  if (!(slot >= 0 && slot < ctx.r.maxObjects)) {
    ctx.report(`${name}: names object ${slot}, outside the table`);
    return;
  }
  const o = ctx.r.object(slot);
  if (!ctx.isLiveObject(slot)) ctx.report(`${name}: names object ${slot}, which is free`);
  else if (ctx.w[o + L.O_GEN] !== gen) ctx.report(`${name}: names ${ctx.objectName(slot)} at generation ${gen}, but the object is at generation ${ctx.w[o + L.O_GEN]} (stale)`);
}

/** Checks the parent link `parentPlusOne` of a handle naming `objectPlusOne`, and counts it as the parent's child. */
function countParent(ctx: CheckContext, name: string, parentPlusOne: number, objectPlusOne: number, children: Int32Array): void {
  if (parentPlusOne === 0) return;
  const w = ctx.w;
  const p = entryIndexOf(ctx, parentPlusOne - 1);
  if (p < 0) {
    ctx.report(`${name}: its parent link ${parentPlusOne} is no handle entry`);
    return;
  }
  const parent = parentPlusOne - 1;
  if (w[parent + L.HD_OBJECT] === 0) ctx.report(`${name}: derives from ${entryName(ctx, p)}, which is free`);
  else if (w[parent + L.HD_OBJECT] !== objectPlusOne) ctx.report(`${name}: derives from ${entryName(ctx, p)}, which names another object`);
  children[p]!++;
}

/** Reports every loop of parent links among live entries. */
function findCycles(ctx: CheckContext, total: number): void {
  const { r, w } = ctx;
  // 0: not seen, 1: on the walk in progress, 2: known to end at a root.
  const seen = new Uint8Array(total);
  const path: number[] = [];
  for (let start = 0; start < total; start++) {
    path.length = 0;
    let i = start;
    while (i >= 0 && seen[i] === 0 && w[r.handles + i * L.HANDLE_WORDS + L.HD_OBJECT] !== 0) {
      seen[i] = 1;
      path.push(i);
      const parent = w[r.handles + i * L.HANDLE_WORDS + L.HD_PARENT]!;
      i = parent === 0 ? -1 : entryIndexOf(ctx, parent - 1);
    }
    if (i >= 0 && seen[i] === 1) ctx.report(`${entryName(ctx, i)}: its parent links loop back to it`);
    for (const j of path) seen[j] = 2;
  }
}
