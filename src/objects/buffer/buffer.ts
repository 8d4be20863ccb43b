/**
 * Buffers: sealed bytes in pages of the kernel's pool, behind a handle
 * (docs/objects/buffer.md). A buffer is how a value too large for a 64-byte
 * message travels: the sender creates one holding the bytes (BUF_CREATE,
 * the one copy in), moves its handle in the message (`flags`, the handle
 * transfer every message has), and the receiver reads them (BUF_READ, the
 * one copy out) and closes it. Nothing is copied in between: the pages
 * move with the handle, as Mach moves out-of-line memory.
 *
 * A buffer is written once, at creation, while only its creator's thread
 * can reach it, and never again, so no copy ever races a writer. Its pages
 * are charged to the creator's pages quota until the last handle to it is
 * closed; a handle in a queued message holds it, and a message dropped
 * (its port destroyed, its receiver dead) closes that handle: death and
 * drops give the pages back through the handle machinery.
 */
import * as L from '../../core/layout.js';
import { EFAULT, EINVAL, ENOMEM } from '../../core/errno.js';
import type { TaskContext } from '../../core/context.js';
import type { Region } from '../../core/region.js';
import { type MessageMemory, inBounds } from '../../core/copy.js';
import { lookupTyped, objectOfEntry } from '../../core/handles.js';
import { allocObjectPages, freeObjectPages, pagesFor } from '../../core/page-pool.js';
import { createObject } from '../create.js';

/** The largest buffer: what a signed 32-bit length can say, in whole pages. */
export const MAX_BUFFER_BYTES = 2 ** 31 - L.PAGE_BYTES;

/**
 * BUF_CREATE: a buffer holding a copy of the `length` bytes at `offset` of
 * `src`; returns a handle with every right.
 * Errors: EINVAL `length` not an integer from 1 to {@link MAX_BUFFER_BYTES};
 * EFAULT the bytes lie outside `src`; ENOMEM not enough consecutive free
 * pages (or no object slot); ENOSPC handle table full; EDQUOT the caller's
 * handles, objects or pages quota would be passed.
 */
export function createBuffer(ctx: TaskContext, src: MessageMemory, offset: number, length: number): number {
  if (!Number.isInteger(length) || length < 1 || length > MAX_BUFFER_BYTES) return -EINVAL;
  if (!inBounds(src, offset, length)) return -EFAULT;
  const pages = pagesFor(length);
  if (pages > ctx.r.pageCount) return -ENOMEM;
  let first = -1;
  const h = createObject(ctx, L.OBJ_BUFFER, (r, o) => {
    first = allocObjectPages(r, o, pages, false);
    if (first < 0) return first;
    r.set(o + L.O_BUFFER_BYTES, length);
    return 0;
  });
  if (h < 0) return h;
  // Outside the lock: the handle is the caller's alone until this returns.
  const r = ctx.r;
  const at = r.page(first) * 4;
  r.bytes.set(src.bytes.subarray(offset, offset + length), at);
  r.bytes.fill(0, at + length, at + pages * L.PAGE_BYTES);
  return h;
}

/** Where buffer `h` lies: its first byte in the region (>= 0) and its length, or -errno. */
function locate(ctx: TaskContext, h: number, rights: number, into: { at: number; length: number }): number {
  const r = ctx.r;
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_BUFFER, rights);
  if (e < 0) return r.fail(e);
  const o = r.object(objectOfEntry(r, e));
  into.at = r.page(r.w[o + L.O_RING]!) * 4;
  into.length = r.w[o + L.O_BUFFER_BYTES]!;
  r.unlock();
  return 0;
}

const where = { at: 0, length: 0 };

/**
 * BUF_READ: copies up to `length` bytes of buffer `h`, from byte `from`, to
 * `offset` of `dst`; returns how many (fewer at the buffer's end, 0 at or
 * past it). Needs read.
 * Errors: EBADF not a buffer handle; EPERM lacks read; EINVAL `from` or
 * `length` not an integer >= 0; EFAULT the destination lies outside `dst`.
 */
export function readBuffer(ctx: TaskContext, h: number, from: number, dst: MessageMemory, offset: number, length: number): number {
  if (!Number.isInteger(from) || from < 0 || !Number.isInteger(length) || length < 0) return -EINVAL;
  if (!inBounds(dst, offset, length)) return -EFAULT;
  const found = locate(ctx, h, L.RIGHT_READ, where);
  if (found < 0) return found;
  const n = Math.max(0, Math.min(length, where.length - from));
  // The bytes never change after creation: a copy without the lock reads them whole.
  if (n > 0) dst.bytes.set(ctx.r.bytes.subarray(where.at + from, where.at + from + n), offset);
  return n;
}

/**
 * BUF_SIZE: the length in bytes of buffer `h`.
 * Errors: EBADF not a buffer handle.
 */
export function bufferSize(ctx: TaskContext, h: number): number {
  const found = locate(ctx, h, 0, where);
  return found < 0 ? found : where.length;
}

/** Gives buffer slot `slot`'s pages back (its last handle went). Kernel lock held. */
export function destroyBuffer(r: Region, slot: number): void {
  const o = r.object(slot);
  freeObjectPages(r, o);
  r.set(o + L.O_RING, -1);
}
