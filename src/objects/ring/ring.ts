/**
 * Shared rings (Strat9's SharedRing, syscalls 210–211): zeroed 4 KiB pages
 * from the kernel's page pool that every task holding a handle can map and
 * read and write directly. A ring lives while any handle to it does; once
 * it is destroyed its handles are stale (EBADF) and its pages go back to the
 * pool, so a mapping kept after closing the last handle must not be used.
 *
 * The kernel also runs a byte stream over a ring's pages (stream.ts),
 * with its indices in the ring's object record: that is what HANDLE_WAIT
 * reports for a ring (READABLE: bytes to read; WRITABLE: room to write).
 */
import * as L from '../../core/layout.js';
import { EFAULT, EINVAL, ENOMEM } from '../../core/errno.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, inBounds, writeI32 } from '../../core/copy.js';
import { lookupTyped, objectOfEntry } from '../../core/handles.js';
import { allocObjectPages, pagesFor } from '../../core/page-pool.js';
import { createObject } from '../create.js';
import { resetQueue } from '../../core/queue.js';

/**
/**
 * The largest ring: the most whole pages whose byte count a kernel word
 * (a signed 32-bit integer) holds. A size above it is a wrong argument
 * (EINVAL) whatever the pool; one up to it that the pool cannot hold is ENOMEM.
 */
export const MAX_RING_BYTES = 2 ** 31 - L.PAGE_BYTES;

/**
 * IPC_RING_CREATE: a ring of ceil(size / 4096) zeroed pages; returns a
 * handle with every right.
 * Errors: EINVAL `size` not an integer from 1 to {@link MAX_RING_BYTES};
 * ENOMEM not enough consecutive free pages (or no object slot); ENOSPC
 * handle table full; EDQUOT the caller's handles, objects or pages quota
 * would be passed.
 */
export function createRing(ctx: TaskContext, size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_RING_BYTES) return -EINVAL;
  const pages = pagesFor(size);
  if (pages > ctx.r.pageCount) return -ENOMEM;
  return createObject(ctx, L.OBJ_RING, (r, o) => {
    const first = allocObjectPages(r, o, pages);
    if (first < 0) return first;
    r.set(o + L.O_RING_BYTES, pages * L.PAGE_BYTES);
    // The byte stream holds one byte less than the ring (head === tail is empty).
    r.set(o + L.O_CAPACITY, pages * L.PAGE_BYTES - 1);
    resetQueue(r, o);
    return 0;
  });
}

/**
 * IPC_RING_MAP: writes the ring's location (a u64: its byte offset in the
 * kernel region's buffer) at `ptr` and returns its size in bytes.
 * Errors: EBADF not a ring handle; EPERM lacks read or write; EFAULT `ptr`
 * outside the caller's memory.
 */
export function mapRing(ctx: TaskContext, h: number, mem: MessageMemory, ptr: number): number {
  const r = ctx.r;
  if (!inBounds(mem, ptr, 8)) return -EFAULT;
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_RING, L.RIGHT_READ | L.RIGHT_WRITE);
  if (e < 0) return r.fail(e);
  const o = r.object(objectOfEntry(r, e));
  const location = r.page(r.w[o + L.O_RING]!) * 4;
  writeI32(mem, ptr, location % 0x100000000);
  writeI32(mem, ptr + 4, Math.floor(location / 0x100000000));
  return r.unlockWith(r.w[o + L.O_RING_BYTES]!);
}

