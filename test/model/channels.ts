/**
 * Channels in the model (220-224; docs/objects/channel.md): a bounded MPMC queue of
 * 64-byte messages, symmetric through the ABI. Every handle with read is a
 * receiver end and every handle with write a sender end (in tables or in
 * flight): with no receiver left a send is EPIPE; with no sender left a
 * receive drains what is queued, then is EPIPE. A channel lives while any
 * handle names it.
 */
import { type Attempt, BLOCK, E, LIMIT, MSG, RIGHT } from './abi.js';
import { inMemory, intArg } from './args.js';
import { writeU32 } from './memory.js';
import { addObject, channelPages, type ChannelObject } from './objects.js';
import { install, lookupKind, tableSize } from './handles.js';
import { type ModelState, allocPool, objectKey, touch } from './state.js';

/** How many handles (tables and in flight) to channel `id` have `right`. */
export function ends(s: ModelState, id: number, right: number): number {
  return s.nodes.filter((n) => n.objectId === id && (n.rights & right) !== 0).length;
}

/** CHAN_CREATE: capacity clamped to 1..1024 (not an integer: EINVAL); ENOSPC, then ENOMEM when the pool has no run of free pages that long. */
export function createChannel(s: ModelState, pid: number, capacityArg: unknown): number {
  const requested = intArg(capacityArg);
  if (Number.isNaN(requested)) return -E.EINVAL;
  const capacity = Math.min(LIMIT.CHANNEL_MAX_CAPACITY, Math.max(1, requested));
  if (tableSize(s, pid) >= s.limits.maxHandles) return -E.ENOSPC;
  const pages = channelPages(capacity);
  const first = allocPool(s, pages);
  if (first < 0) return -E.ENOMEM;
  const channel = addObject<ChannelObject>(s, (id) => ({ kind: 'channel', id, capacity, pages, first, queue: [] }));
  return install(s, pid, channel.id, RIGHT.ALL, null);
}

/** CHAN_SEND: EBADF, EPERM (write), EFAULT, EPIPE (no receiver end), BLOCK while full. Sender stamped, flags as they are. */
export function channelSendAttempt(s: ModelState, pid: number, hArg: unknown, ptrArg: unknown): Attempt {
  const node = lookupKind(s, pid, intArg(hArg), 'channel', RIGHT.WRITE);
  if (typeof node === 'number') return node;
  const mem = s.tasks[pid]!.mem;
  const ptr = intArg(ptrArg);
  if (!inMemory(mem.length, ptr, MSG.BYTES)) return -E.EFAULT;
  const channel = s.objects[node.objectId] as ChannelObject;
  if (ends(s, channel.id, RIGHT.READ) === 0) return -E.EPIPE;
  if (channel.queue.length >= channel.capacity) return BLOCK;
  const bytes = mem.slice(ptr, ptr + MSG.BYTES);
  writeU32(bytes, MSG.SENDER, pid);
  writeU32(bytes, MSG.TOKEN, 0);
  channel.queue.push(bytes);
  touch(s, objectKey(channel.id));
  return 0;
}

/** CHAN_RECV / CHAN_TRY_RECV: EBADF, EPERM (read), EFAULT, then the oldest message; empty: EPIPE with no sender end, else BLOCK or EAGAIN. */
export function channelReceiveAttempt(s: ModelState, pid: number, hArg: unknown, ptrArg: unknown, wait: boolean): Attempt {
  const node = lookupKind(s, pid, intArg(hArg), 'channel', RIGHT.READ);
  if (typeof node === 'number') return node;
  const mem = s.tasks[pid]!.mem;
  const ptr = intArg(ptrArg);
  if (!inMemory(mem.length, ptr, MSG.BYTES)) return -E.EFAULT;
  const channel = s.objects[node.objectId] as ChannelObject;
  const head = channel.queue.shift();
  if (head === undefined) {
    if (ends(s, channel.id, RIGHT.WRITE) === 0) return -E.EPIPE;
    return wait ? BLOCK : -E.EAGAIN;
  }
  mem.set(head, ptr);
  touch(s, objectKey(channel.id));
  return 0;
}
