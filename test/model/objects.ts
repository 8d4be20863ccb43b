/**
 * Kernel objects in the model: ports, channels, semaphores and rings, and
 * their lifetime. An object exists while any handle names it (in a task's
 * table or in flight in a queued message); with the last one it is freed:
 * a semaphore is destroyed, a channel's or ring's pages go back to the pool
 * (a run of consecutive pages, taken first fit: see state.ts, allocPool).
 * A port is destroyed earlier, when its owner's last handle with read goes
 * (see ports.ts), but its record lives on while handles name it.
 */
import { LIMIT, TYPE } from './abi.js';
import { type ModelState, freePool, objectKey, touch } from './state.js';

/** A message queued on a port. */
export interface QueuedMessage {
  /** The 64 bytes as the receiver will get them (sender stamped; flags replaced on receipt). */
  bytes: Uint8Array;
  /** The call's token, or 0 for a plain send. */
  token: number;
  /** The handle in flight with it, or null. */
  transferNodeId: number | null;
}

export interface PortObject {
  kind: 'port';
  id: number;
  owner: number;
  destroyed: boolean;
  capacity: number;
  queue: QueuedMessage[];
}

export interface ChannelObject {
  kind: 'channel';
  id: number;
  capacity: number;
  pages: number;
  /** First page of its run in the pool. */
  first: number;
  /** Queued messages, 64 bytes each, sender stamped. */
  queue: Uint8Array[];
}

export interface SemaphoreObject {
  kind: 'semaphore';
  id: number;
  count: number;
}

export interface RingObject {
  kind: 'ring';
  id: number;
  pages: number;
  first: number;
}

export type ModelObject = PortObject | ChannelObject | SemaphoreObject | RingObject;
export type ObjectKind = ModelObject['kind'];

/** The resource type HANDLE_INFO reports for an object. */
export function typeOf(o: ModelObject): number {
  switch (o.kind) {
    case 'port':
      return TYPE.PORT;
    case 'channel':
      return TYPE.CHANNEL;
    case 'semaphore':
      return TYPE.SEMAPHORE;
    case 'ring':
      return TYPE.RING;
  }
}

/** Adds an object built by `make` from a fresh id. */
export function addObject<T extends ModelObject>(s: ModelState, make: (id: number) => T): T {
  const o = make(s.nextObjectId++);
  s.objects[o.id] = o;
  return o;
}

/** Pages a ring of `size` bytes takes. */
export function ringPages(size: number): number {
  return Math.ceil(size / LIMIT.PAGE_BYTES);
}

/** Pages a channel of `capacity` messages takes: capacity + 1 slots of 128 bytes. */
export function channelPages(capacity: number): number {
  return Math.ceil(((capacity + 1) * 128) / LIMIT.PAGE_BYTES);
}

/** How many handles (in tables and in flight) name object `id`. */
export function references(s: ModelState, id: number): number {
  return s.nodes.filter((n) => n.objectId === id).length;
}

/** Frees object `id` if nothing names it any more. */
export function freeIfUnreferenced(s: ModelState, id: number): void {
  const o = s.objects[id];
  if (o === undefined || references(s, id) > 0) return;
  if (o.kind === 'channel' || o.kind === 'ring') freePool(s, o.first, o.pages);
  delete s.objects[id];
  touch(s, objectKey(id));
}
