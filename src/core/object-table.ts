/**
 * The object table: allocation with generations, references, and destruction
 * dispatched to the object's own type (registered as an {@link ObjectKind}).
 */
import * as L from './layout.js';
import { ENOMEM } from './errno.js';
import type { Region } from './region.js';
import { chargeCreator, creditCreator } from './quota.js';

/**
 * What the object table and the handle table need to know of an object
 * type. Each type's full description (src/objects/object-type.ts) extends
 * this; src/objects/registry.ts registers every type once, at import.
 */
export interface ObjectKind {
  /** The type number, L.OBJ_*, stored in O_TYPE. */
  readonly type: number;
  /** Whether objects of this type have a two-lock queue (and so queue locks to recover from a dead holder). */
  readonly hasQueue: boolean;
  /** Whether the object is destroyed when its owner closes its last handle that can receive (a port). */
  readonly endsWithOwnerReceiver: boolean;
  /** Whether handles count the object's ends, so that the last sender or receiver going wakes its waiters (a channel). */
  readonly countsEnds: boolean;
  /**
   * Whether a handle to it sent in a message (or a reply) moves: the
   * sender's handle goes as the message takes its copy, which descends
   * from that handle's parent (a buffer travels; nothing is left behind to
   * close). Other objects' handles are copied, and the copy descends from
   * the sender's handle.
   */
  readonly movesOnTransfer?: boolean;
  /** Destroys an object's contents: wakes its waiters, drains its queue. Kernel lock held; called once per object. */
  destroy(r: Region, objectSlot: number): void;
}

const kinds: (ObjectKind | undefined)[] = [];

/** Registers an object type (src/objects/registry.ts does, once per type). */
export function registerObjectKind(kind: ObjectKind): void {
  kinds[kind.type] = kind;
}

/** The registered kind of type number `type`, or undefined (OBJ_FREE, or a number no type has). */
export function objectKindOf(type: number): ObjectKind | undefined {
  return kinds[type];
}

/**
 * Wakes every task parked on object `o` (at word index `o`): all waits on an
 * object park on its O_READ_SEQ or O_WRITE_SEQ. For events that no lock
 * release announces (destruction, a handle closed, a task reaped); they
 * re-check and see what changed, or park again.
 */
export function wakeObjectWaiters(r: Region, o: number): void {
  wakePollers(r);
  r.bumpAndWake(o + L.O_READ_SEQ);
  r.bumpAndWake(o + L.O_WRITE_SEQ);
}

/**
 * Wakes the tasks waiting on many objects (wait-many.ts), if any: called
 * wherever an object's waiters are woken. They look at their objects again.
 */
export function wakePollers(r: Region): void {
  if (Atomics.load(r.w, L.H_POLLERS) > 0) r.bumpAndWake(L.H_POLL_SEQ);
}

/**
 * Wakes every thread parked on any kernel word: the kernel lock, every
 * object, every call, the pollers, the keyboard pipes and page deliveries.
 * Each looks again at what it waits for. For events that concern every
 * waiter at once (a kernel closed).
 */
export function wakeEveryWaiter(r: Region): void {
  r.wakeAll(L.H_LOCK);
  r.bumpAndWake(L.H_POLL_SEQ);
  for (let o = 0; o < r.maxObjects; o++) wakeObjectWaiters(r, r.object(o));
  for (let cs = 0; cs < r.maxCalls; cs++) r.wakeAll(r.call(cs) + L.C_STATE);
  for (let p = 0; p < L.PIPE_SUBSCRIBERS; p++) r.wakeAll(r.pipe(p) + L.P_SEQ);
  for (let slot = 0; slot < r.maxTasks; slot++) r.wakeAll(r.task(slot) + L.T_PAGE_SEQ);
}

/** Object ids as user code sees them: slot and generation in one number (u64 in HANDLE_INFO). */
export function objectIdOf(r: Region, slot: number): number {
  return r.w[r.object(slot) + L.O_GEN]! * r.maxObjects + slot + 1;
}

/**
 * Allocates an object of `type` owned by `ownerPid`, with no references yet,
 * charged to `creatorPid` (its objects quota, and later what the object
 * reserves; 0: charged to nobody). Lock held. Returns the slot, -ENOMEM
 * when the object table is full, or -EDQUOT when the creator's objects
 * quota is spent.
 */
export function allocObject(r: Region, type: number, ownerPid: number, creatorPid: number): number {
  const w = r.w;
  const slot = w[L.H_OBJECT_FREE]!;
  if (slot < 0) return -ENOMEM;
  const o = r.object(slot);
  r.set(o + L.O_CREATOR, creatorPid);
  const refused = chargeCreator(r, o, L.QUOTA_OBJECTS, 1);
  if (refused < 0) return refused;
  r.set(L.H_OBJECT_FREE, w[o + L.O_NEXT_FREE]!);
  r.set(o + L.O_TYPE, type);
  r.set(o + L.O_REFS, 0);
  r.set(o + L.O_OWNER, ownerPid);
  r.set(o + L.O_OWNER_HANDLES, 0);
  r.set(o + L.O_FLAGS, 0);
  r.set(o + L.O_CAPACITY, 0);
  r.set(o + L.O_TAIL, 0);
  r.set(o + L.O_HEAD, 0);
  r.set(o + L.O_RING, -1);
  r.set(o + L.O_BINDINGS, 0);
  r.add(L.H_OBJECTS_USED, 1);
  return slot;
}

/** Destroys the object if it is not already (idempotent). Lock held. */
export function destroyObject(r: Region, slot: number): void {
  const o = r.object(slot);
  const flags = r.w[o + L.O_FLAGS]!;
  if (flags & L.OBJECT_FLAG_DESTROYED) return;
  r.set(o + L.O_FLAGS, flags | L.OBJECT_FLAG_DESTROYED);
  kinds[r.w[o + L.O_TYPE]!]?.destroy(r, slot);
}


export function addRef(r: Region, slot: number): void {
  r.add(r.object(slot) + L.O_REFS, 1);
}

/**
 * Drops one reference. The object is destroyed and freed with its last one.
 * Lock held.
 */
export function releaseRef(r: Region, slot: number): void {
  const o = r.object(slot);
  if (r.add(o + L.O_REFS, -1) > 0) return;
  destroyObject(r, slot);
  const gen = (r.w[o + L.O_GEN]! + 1) % 0x200000;
  r.set(o + L.O_GEN, gen);
  r.set(o + L.O_TYPE, L.OBJ_FREE);
  r.set(o + L.O_NEXT_FREE, r.w[L.H_OBJECT_FREE]!);
  r.set(L.H_OBJECT_FREE, slot);
  r.add(L.H_OBJECTS_USED, -1);
  creditCreator(r, o, L.QUOTA_OBJECTS, 1);
}
