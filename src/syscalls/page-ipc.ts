/**
 * The page IPC syscall table (docs/objects/pages.md), numbers 300-309, spoken by
 * tasks of every personality: syscall number → kernel op. No logic lives
 * here: each entry decodes its arguments, calls one op, returns its result.
 */
import * as N from './numbers.js';
import { deadlineFromNanoseconds, int } from './args.js';
import { EINVAL, ENOSYS } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import type { MessageMemory } from '../core/copy.js';
import {
  pageAbandon,
  pageAccept,
  pageAlloc,
  pageFree,
  pageRead,
  pageSend,
  pageTakeInto,
  pageWrite,
  registerHandler,
  unregisterHandler,
} from '../objects/page-ipc/page-ipc.js';
import { PAGE_TAKE_INTO } from '../ops/page-ops.js';
import { blocking, blockingAsync } from '../ops/blocking.js';

/** Whether `nr` is a page IPC syscall. */
export function isPageSyscall(nr: number): boolean {
  return nr >= N.SYS_PAGE_ALLOC && nr <= N.SYS_PAGE_WRITE;
}

/** PAGE_TAKE's timeout: omitted or 0 polls, -1 waits for ever, n > 0 waits n nanoseconds; NaN when invalid. */
function takeDeadline(x: unknown): number {
  if (x === undefined) return 0;
  const ns = int(x);
  return ns === 0 ? 0 : deadlineFromNanoseconds(ns);
}

/** Dispatches one page IPC syscall, blocking the thread where PAGE_TAKE waits. */
export function pageSyscall(ctx: TaskContext, mem: MessageMemory, nr: number, a0: unknown, a1: unknown, a2: unknown, a3: unknown, a4: unknown): number {
  switch (nr) {
    case N.SYS_PAGE_ALLOC:
      return pageAlloc(ctx, int(a0));
    case N.SYS_PAGE_FREE:
      return pageFree(ctx, int(a0), int(a1));
    case N.SYS_PAGE_SEND:
      return pageSend(ctx, int(a0), int(a1), int(a2), int(a3), int(a4));
    case N.SYS_PAGE_REGISTER_HANDLER:
      return registerHandler(ctx, int(a0));
    case N.SYS_PAGE_UNREGISTER_HANDLER:
      return unregisterHandler(ctx, int(a0));
    case N.SYS_PAGE_TAKE: {
      const deadline = takeDeadline(a1);
      if (Number.isNaN(deadline)) return -EINVAL;
      return deadline === 0 ? pageTakeInto(ctx, mem, int(a0), false) : blocking(PAGE_TAKE_INTO, ctx, 0, mem, int(a0), 0, deadline);
    }
    case N.SYS_PAGE_ACCEPT:
      return pageAccept(ctx, int(a0));
    case N.SYS_PAGE_ABANDON:
      return pageAbandon(ctx, int(a0));
    case N.SYS_PAGE_READ:
      return pageRead(ctx, int(a0), mem, int(a1), int(a2));
    case N.SYS_PAGE_WRITE:
      return pageWrite(ctx, int(a0), mem, int(a1), int(a2));
    default:
      return -ENOSYS;
  }
}

/** The same table with a waiting PAGE_TAKE on the event loop. */
export function pageSyscallAsync(ctx: TaskContext, mem: MessageMemory, nr: number, a0: unknown, a1: unknown, a2: unknown, a3: unknown, a4: unknown): Promise<number> {
  if (nr === N.SYS_PAGE_TAKE) {
    const deadline = takeDeadline(a1);
    if (deadline !== 0 && !Number.isNaN(deadline)) return blockingAsync(PAGE_TAKE_INTO, ctx, 0, mem, int(a0), 0, deadline, undefined);
  }
  return Promise.resolve(pageSyscall(ctx, mem, nr, a0, a1, a2, a3, a4));
}
