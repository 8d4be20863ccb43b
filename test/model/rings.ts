/**
 * Shared rings in the model (210-211; docs/objects/ring.md), as far as the ABI
 * shows them: ceil(size/4096) pages from the kernel's pool, mapped with
 * read and write. The ring's byte stream has no syscall of its own, so to
 * the model a ring's stream is always empty (never READABLE, always
 * WRITABLE to a handle with write).
 */
import { E, LIMIT, RIGHT } from './abi.js';
import { inMemory, intArg } from './args.js';
import { addObject, ringPages, type RingObject } from './objects.js';
import { install, lookupKind, tableSize } from './handles.js';
import { type ModelState, allocPool } from './state.js';

/** IPC_RING_CREATE: EINVAL below 1 byte, ENOMEM above the whole pool, ENOSPC, then ENOMEM when the pool has no run of free pages that long. */
export function createRing(s: ModelState, pid: number, sizeArg: unknown): number {
  const size = intArg(sizeArg);
  if (!(size >= 1)) return -E.EINVAL;
  const pages = ringPages(size);
  if (pages > s.limits.pages) return -E.ENOMEM;
  if (tableSize(s, pid) >= s.limits.maxHandles) return -E.ENOSPC;
  const first = allocPool(s, pages);
  if (first < 0) return -E.ENOMEM;
  const ring = addObject<RingObject>(s, (id) => ({ kind: 'ring', id, pages, first }));
  return install(s, pid, ring.id, RIGHT.ALL, null);
}

/** IPC_RING_MAP: EFAULT for the 8 bytes first, then EBADF, EPERM (read and write); the ring's size in bytes. (Where it is, the model does not know.) */
export function mapRing(s: ModelState, pid: number, hArg: unknown, ptrArg: unknown): number {
  if (!inMemory(s.tasks[pid]!.mem.length, intArg(ptrArg), LIMIT.RING_MAP_BYTES)) return -E.EFAULT;
  const node = lookupKind(s, pid, intArg(hArg), 'ring', RIGHT.READ | RIGHT.WRITE);
  if (typeof node === 'number') return node;
  return (s.objects[node.objectId] as RingObject).pages * LIMIT.PAGE_BYTES;
}
