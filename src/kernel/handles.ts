/**
 * Per-task handle tables: capabilities naming an object with rights.
 *
 * A handle value is `index + 1 + generation * HANDLE_INDEX_STRIDE`; the entry's
 * generation changes when it is freed, so a closed handle is EBADF forever
 * (until its generation wraps after ~500k reuses of the same entry).
 * Every handle carries a lineage id and the id of the handle it was derived
 * from (duplicate, grant, transfer), which is what HANDLE_REVOKE follows.
 */
import * as L from './layout.js';
import { EBADF, ENOSPC, EPERM } from './errno.js';
import type { Region } from './region.js';
import { addRef, destroyObject, releaseRef } from './objects.js';

const HANDLE_GEN_LIMIT = Math.floor(0x7fffffff / L.HANDLE_INDEX_STRIDE);

/**
 * Finds the entry named by handle `h` in the table of `taskSlot`, checking
 * that it is live and has every right in `rights`.
 * Returns the entry's word index (> 0), -EBADF for anything that is not a
 * live handle, or -EPERM when a right is missing. No lock needed to read a
 * task's own table; callers act on the result under the lock.
 */
export function lookupHandle(r: Region, taskSlot: number, h: number, rights: number): number {
  if (typeof h !== 'number' || !(h >= 1 && h <= 0x7fffffff) || (h | 0) !== h) return -EBADF;
  const index = (h - 1) % L.HANDLE_INDEX_STRIDE;
  if (index >= r.maxHandles) return -EBADF;
  const e = r.handle(taskSlot, index);
  const w = r.w;
  const objectPlusOne = w[e + L.HD_OBJECT]!;
  if (objectPlusOne === 0 || w[e + L.HD_GEN] !== (h - 1 - index) / L.HANDLE_INDEX_STRIDE) return -EBADF;
  if (w[r.object(objectPlusOne - 1) + L.O_GEN] !== w[e + L.HD_OBJECT_GEN]) return -EBADF;
  if ((w[e + L.HD_RIGHTS]! & rights) !== rights) return -EPERM;
  return e;
}

/** The object slot a looked-up handle entry names. */
export function objectOfEntry(r: Region, e: number): number {
  return r.w[e + L.HD_OBJECT]! - 1;
}

/** Whether the object named by entry `e` has type `type`. */
export function entryIsType(r: Region, e: number, type: number): boolean {
  return r.w[r.object(r.w[e + L.HD_OBJECT]! - 1) + L.O_TYPE] === type;
}

/**
 * Installs a new handle to `objectSlot` in the table of `taskSlot`, taking a
 * reference. `parentEntry` is the entry it derives from (0 for a root handle).
 * Lock held. Returns the handle value or -ENOSPC when the table is full.
 */
export function installHandle(r: Region, taskSlot: number, objectSlot: number, rights: number, parentEntry: number): number {
  const w = r.w;
  const t = r.task(taskSlot);
  if (w[t + L.T_HANDLE_COUNT]! >= r.maxHandles) return -ENOSPC;
  const max = r.maxHandles;
  let index = w[t + L.T_HANDLE_HINT]!;
  for (let n = 0; n < max; n++, index = index + 1 === max ? 0 : index + 1) {
    const e = r.handle(taskSlot, index);
    if (w[e + L.HD_OBJECT] !== 0) continue;
    const o = r.object(objectSlot);
    r.set(e + L.HD_OBJECT, objectSlot + 1);
    r.set(e + L.HD_OBJECT_GEN, w[o + L.O_GEN]!);
    r.set(e + L.HD_RIGHTS, rights);
    r.set(e + L.HD_PARENT, parentEntry === 0 ? 0 : parentEntry + 1);
    r.set(e + L.HD_CHILDREN, 0);
    if (parentEntry !== 0) r.add(parentEntry + L.HD_CHILDREN, 1);
    r.add(t + L.T_HANDLE_COUNT, 1);
    r.set(t + L.T_HANDLE_HINT, index + 1 === max ? 0 : index + 1);
    r.add(L.H_HANDLES_USED, 1);
    addRef(r, objectSlot);
    if (w[o + L.O_OWNER] === w[t + L.T_PID]) r.add(o + L.O_OWNER_HANDLES, 1);
    return index + 1 + w[e + L.HD_GEN]! * L.HANDLE_INDEX_STRIDE;
  }
  return -ENOSPC;
}

/**
 * Frees the entry `e` of `taskSlot`'s table and drops its reference. A port
 * is destroyed when its owner's last handle to it goes. Lock held.
 */
export function releaseEntry(r: Region, taskSlot: number, e: number): void {
  const w = r.w;
  const objectSlot = w[e + L.HD_OBJECT]! - 1;
  const t = r.task(taskSlot);
  const o = r.object(objectSlot);
  const parent = w[e + L.HD_PARENT]!;
  if (w[e + L.HD_CHILDREN]! > 0) reparentChildren(r, e, parent);
  if (parent !== 0) r.add(parent - 1 + L.HD_CHILDREN, -1);
  r.set(e + L.HD_OBJECT, 0);
  r.set(e + L.HD_PARENT, 0);
  r.set(e + L.HD_GEN, (w[e + L.HD_GEN]! + 1) % HANDLE_GEN_LIMIT);
  r.add(t + L.T_HANDLE_COUNT, -1);
  r.add(L.H_HANDLES_USED, -1);
  if (w[o + L.O_OWNER] === w[t + L.T_PID] && r.add(o + L.O_OWNER_HANDLES, -1) === 0 && w[o + L.O_TYPE] === L.OBJ_PORT) {
    destroyObject(r, objectSlot);
  }
  releaseRef(r, objectSlot);
}

/**
 * Keeps revoke's lineage intact when a handle in the middle of a chain is
 * closed: its children now descend from its parent. Only handles that were
 * duplicated or granted have children, so most closes never get here.
 */
function reparentChildren(r: Region, e: number, parent: number): void {
  const w = r.w;
  const total = r.maxTasks * r.maxHandles;
  for (let i = 0; i < total; i++) {
    const c = r.handles + i * L.HANDLE_WORDS;
    if (w[c + L.HD_OBJECT] === 0 || w[c + L.HD_PARENT] !== e + 1) continue;
    r.set(c + L.HD_PARENT, parent);
    r.add(e + L.HD_CHILDREN, -1);
    if (parent !== 0) r.add(parent - 1 + L.HD_CHILDREN, 1);
  }
}

/**
 * Closes every handle derived, directly or not, from entry `root`; the root
 * itself stays. Lock held. Returns how many handles were closed.
 */
export function revokeDescendants(r: Region, root: number): number {
  const w = r.w;
  const total = r.maxTasks * r.maxHandles;
  let closed = 0;
  // Close leaves first: a child with children of its own is revisited after
  // its subtree is gone, so nothing is ever re-parented onto the root.
  for (let pass = 0; w[root + L.HD_CHILDREN]! > 0 && pass <= total; pass++) {
    for (let i = 0; i < total; i++) {
      const c = r.handles + i * L.HANDLE_WORDS;
      if (w[c + L.HD_OBJECT] === 0 || w[c + L.HD_CHILDREN] !== 0) continue;
      if (!descendsFrom(r, c, root)) continue;
      releaseEntry(r, Math.floor(i / r.maxHandles), c);
      closed++;
    }
  }
  return closed;
}

function descendsFrom(r: Region, e: number, root: number): boolean {
  const w = r.w;
  let p = w[e + L.HD_PARENT]!;
  for (let depth = 0; p !== 0 && depth < r.maxTasks * r.maxHandles; depth++) {
    if (p - 1 === root) return true;
    p = w[p - 1 + L.HD_PARENT]!;
  }
  return false;
}

/** Closes every handle of a task (on its death). Lock held. */
export function releaseAllHandles(r: Region, taskSlot: number): void {
  for (let i = 0; i < r.maxHandles; i++) {
    const e = r.handle(taskSlot, i);
    if (r.w[e + L.HD_OBJECT] !== 0) releaseEntry(r, taskSlot, e);
  }
}

/** The right-check every handle syscall shares: the entry, -EBADF, -EPERM, or -EBADF when of another type. */
export function lookupTyped(r: Region, taskSlot: number, h: number, type: number, rights: number): number {
  const e = lookupHandle(r, taskSlot, h, 0);
  if (e < 0) return e;
  if (!entryIsType(r, e, type)) return -EBADF;
  if ((r.w[e + L.HD_RIGHTS]! & rights) !== rights) return -EPERM;
  return e;
}
