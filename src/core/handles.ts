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
import { addRef, destroyObject, objectKindOf, releaseRef, wakeObjectWaiters } from './object-table.js';
import { handleRoom } from './quota.js';

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
  const index = (h - 1) & (L.HANDLE_INDEX_STRIDE - 1);
  if (index >= r.maxHandles) return -EBADF;
  const e = r.handle(taskSlot, index);
  const w = r.w;
  const objectPlusOne = w[e + L.HD_OBJECT]!;
  if (objectPlusOne === 0 || w[e + L.HD_GEN] !== (h - 1) >>> L.HANDLE_INDEX_BITS) return -EBADF;
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
 * `flags`: HANDLE_FLAG_GRANTED for a handle another task pushed in (counted
 * in the holder's received handles; the caller checked grantRoom), else 0.
 * Lock held. Returns the handle value, -ENOSPC when the table is full, or
 * -EDQUOT when the task's handles quota is reached.
 */
export function installHandle(r: Region, taskSlot: number, objectSlot: number, rights: number, parentEntry: number, flags = 0): number {
  const w = r.w;
  const t = r.task(taskSlot);
  const room = handleRoom(r, taskSlot);
  if (room < 0) return room;
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
    r.set(e + L.HD_FLAGS, flags);
    if (flags & L.HANDLE_FLAG_GRANTED) r.add(t + L.T_QUOTA_USED + L.QUOTA_RECEIVED_HANDLES, 1);
    if (parentEntry !== 0) r.add(parentEntry + L.HD_CHILDREN, 1);
    r.add(t + L.T_HANDLE_COUNT, 1);
    r.set(t + L.T_HANDLE_HINT, index + 1 === max ? 0 : index + 1);
    r.add(L.H_HANDLES_USED, 1);
    addRef(r, objectSlot);
    if (w[o + L.O_OWNER] === w[t + L.T_PID] && (rights & L.RIGHT_READ) !== 0) r.add(o + L.O_OWNER_HANDLES, 1);
    countEnds(r, objectSlot, rights, 1);
    return index + 1 + w[e + L.HD_GEN]! * L.HANDLE_INDEX_STRIDE;
  }
  return -ENOSPC;
}

/**
 * Frees the entry `e` of `taskSlot`'s table and drops its reference. A port
 * is destroyed when its owner's last handle that can receive from it goes
 * (a send-only handle of the owner's would otherwise keep alive a port
 * nobody can ever read). Lock held.
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
  if (w[e + L.HD_FLAGS]! & L.HANDLE_FLAG_GRANTED) r.add(t + L.T_QUOTA_USED + L.QUOTA_RECEIVED_HANDLES, -1);
  r.add(L.H_HANDLES_USED, -1);
  const ownerReceiver = w[o + L.O_OWNER] === w[t + L.T_PID] && (w[e + L.HD_RIGHTS]! & L.RIGHT_READ) !== 0;
  if (ownerReceiver && r.add(o + L.O_OWNER_HANDLES, -1) === 0 && objectKindOf(w[o + L.O_TYPE]!)?.endsWithOwnerReceiver) {
    destroyObject(r, objectSlot);
  }
  countEnds(r, objectSlot, w[e + L.HD_RIGHTS]!, -1);
  // Whoever is parked on the object through this handle (another async op of
  // the same task, or any task whose handle was revoked) must wake to see
  // EBADF; the others re-check and park again.
  wakeObjectWaiters(r, o);
  releaseRef(r, objectSlot);
}

/**
 * A channel counts its ends: a handle with `rights` to object `slot`
 * coming (+1) or going (-1), installed or in flight, counts as a receiver
 * (read) and/or a sender (write). When either count reaches 0, every waiter
 * wakes to see EPIPE. Other objects do not count. Kernel lock held.
 */
function countEnds(r: Region, slot: number, rights: number, delta: number): void {
  const o = r.object(slot);
  if (!objectKindOf(r.w[o + L.O_TYPE]!)?.countsEnds) return;
  let emptied = false;
  if (rights & L.RIGHT_READ) emptied = r.add(o + L.O_READERS, delta) === 0 || emptied;
  if (rights & L.RIGHT_WRITE) emptied = r.add(o + L.O_WRITERS, delta) === 0 || emptied;
  if (emptied && delta < 0) wakeObjectWaiters(r, o);
}

/**
 * Keeps revoke's lineage intact when a handle in the middle of a chain is
 * closed: its children (handles, and handles in flight in messages) now
 * descend from its parent. Only handles that were duplicated, granted or
 * sent have children, so most closes never get here.
 */
function reparentChildren(r: Region, e: number, parent: number): void {
  const w = r.w;
  const total = r.maxTasks * r.maxHandles;
  for (let i = 0; i < total; i++) {
    const c = r.handles + i * L.HANDLE_WORDS;
    if (w[c + L.HD_OBJECT] !== 0 && w[c + L.HD_PARENT] === e + 1) moveChild(r, c + L.HD_PARENT, e, parent);
  }
  for (let m = 0; m < r.messageSlots && w[e + L.HD_CHILDREN]! > 0; m++) {
    const at = r.message(m);
    if (w[at + L.M_XFER_OBJECT] !== 0 && w[at + L.M_XFER_PARENT] === e + 1) moveChild(r, at + L.M_XFER_PARENT, e, parent);
  }
}

function moveChild(r: Region, parentWord: number, from: number, to: number): void {
  r.set(parentWord, to);
  r.add(from + L.HD_CHILDREN, -1);
  if (to !== 0) r.add(to - 1 + L.HD_CHILDREN, 1);
}

/** Whether entry `e`'s object moves when sent ({@link ObjectKind.movesOnTransfer}). Lock held. */
export function movesOnTransfer(r: Region, e: number): boolean {
  return objectKindOf(r.w[r.object(r.w[e + L.HD_OBJECT]! - 1) + L.O_TYPE]!)?.movesOnTransfer === true;
}

/**
 * The entry a copy of entry `e` sent in a message derives from (0: none):
 * `e` itself, or, for an object that moves, `e`'s own parent. Lock held.
 */
export function transferParent(r: Region, e: number): number {
  if (!movesOnTransfer(r, e)) return e;
  const parent = r.w[e + L.HD_PARENT]!;
  return parent === 0 ? 0 : parent - 1;
}

/**
 * Puts a handle in flight in the message record `at`: a copy of entry `e`
 * of task `taskSlot` (same object and rights), holding a reference and
 * counted as a child of `e`; for an object that moves, a child of `e`'s
 * parent, and `e` itself is released. Lock held.
 */
export function attachTransfer(r: Region, at: number, e: number, taskSlot: number): void {
  const objectSlot = r.w[e + L.HD_OBJECT]! - 1;
  const parent = transferParent(r, e);
  r.set(at + L.M_XFER_OBJECT, objectSlot + 1);
  r.set(at + L.M_XFER_RIGHTS, r.w[e + L.HD_RIGHTS]!);
  r.set(at + L.M_XFER_PARENT, parent === 0 ? 0 : parent + 1);
  if (parent !== 0) r.add(parent + L.HD_CHILDREN, 1);
  addRef(r, objectSlot);
  countEnds(r, objectSlot, r.w[e + L.HD_RIGHTS]!, 1);
  if (parent !== e) releaseEntry(r, taskSlot, e);
}

/** Drops the handle in flight in message record `at`, if any. Lock held. */
export function dropTransfer(r: Region, at: number): void {
  const objectPlusOne = r.w[at + L.M_XFER_OBJECT]!;
  if (objectPlusOne === 0) return;
  const parent = r.w[at + L.M_XFER_PARENT]!;
  if (parent !== 0) r.add(parent - 1 + L.HD_CHILDREN, -1);
  r.set(at + L.M_XFER_OBJECT, 0);
  r.set(at + L.M_XFER_PARENT, 0);
  countEnds(r, objectPlusOne - 1, r.w[at + L.M_XFER_RIGHTS]!, -1);
  releaseRef(r, objectPlusOne - 1);
}

/**
 * Lands the handle in flight in message record `at` in the table of
 * `taskSlot`: returns its new value (0 when the message carries none), or
 * -ENOSPC with nothing changed when the table is full. Lock held.
 */
export function landTransfer(r: Region, at: number, taskSlot: number): number {
  const objectPlusOne = r.w[at + L.M_XFER_OBJECT]!;
  if (objectPlusOne === 0) return 0;
  const parent = r.w[at + L.M_XFER_PARENT]!;
  const h = installHandle(r, taskSlot, objectPlusOne - 1, r.w[at + L.M_XFER_RIGHTS]!, parent === 0 ? 0 : parent - 1);
  if (h > 0) dropTransfer(r, at);
  return h;
}

/**
 * Closes every handle derived, directly or not, from entry `root`, and drops
 * such handles in flight in queued messages (the messages are still
 * delivered, without the handle). The root itself stays. Lock held. Returns
 * how many handles were closed or dropped.
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
      if (!chainReaches(r, w[c + L.HD_PARENT]!, root)) continue;
      releaseEntry(r, Math.floor(i / r.maxHandles), c);
      closed++;
    }
    for (let m = 0; m < r.messageSlots; m++) {
      const at = r.message(m);
      if (w[at + L.M_XFER_OBJECT] === 0 || !chainReaches(r, w[at + L.M_XFER_PARENT]!, root)) continue;
      dropTransfer(r, at);
      closed++;
    }
  }
  return closed;
}

/** Whether following parent links from `parentPlusOne` reaches entry `root`. */
function chainReaches(r: Region, parentPlusOne: number, root: number): boolean {
  const w = r.w;
  let p = parentPlusOne;
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
