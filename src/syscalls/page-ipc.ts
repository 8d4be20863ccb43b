/**
 * The page IPC syscalls (docs/objects/pages.md), numbers 300-309, spoken by
 * tasks of every personality: name → kernel op, laid out by number from
 * the syscall table (table.ts). No logic lives here: each entry decodes its
 * arguments, calls one op, returns its result.
 */
import { deadlineFromNanoseconds, int } from './args.js';
import { buildDispatch, syscallNames, type SyscallAsyncFn, type SyscallFn } from './dispatch.js';
import { SYSCALLS, type SyscallNameOf } from './table.js';
import { EINVAL } from '../core/errno.js';
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

/** PAGE_TAKE's timeout: omitted or 0 polls, -1 waits for ever, n > 0 waits n nanoseconds; NaN when invalid. */
function takeDeadline(x: unknown): number {
  if (x === undefined) return 0;
  const ns = int(x);
  return ns === 0 ? 0 : deadlineFromNanoseconds(ns);
}

const SYNC = {
  PAGE_ALLOC: (ctx, _mem, a0) => pageAlloc(ctx, int(a0)),
  PAGE_FREE: (ctx, _mem, a0, a1) => pageFree(ctx, int(a0), int(a1)),
  PAGE_SEND: (ctx, _mem, a0, a1, a2, a3, a4) => pageSend(ctx, int(a0), int(a1), int(a2), int(a3), int(a4)),
  PAGE_REGISTER_HANDLER: (ctx, _mem, a0) => registerHandler(ctx, int(a0)),
  PAGE_UNREGISTER_HANDLER: (ctx, _mem, a0) => unregisterHandler(ctx, int(a0)),
  PAGE_TAKE: (ctx, mem, a0, a1) => {
    const deadline = takeDeadline(a1);
    if (Number.isNaN(deadline)) return -EINVAL;
    return deadline === 0 ? pageTakeInto(ctx, mem, int(a0), false) : blocking(PAGE_TAKE_INTO, ctx, 0, mem, int(a0), 0, deadline);
  },
  PAGE_ACCEPT: (ctx, _mem, a0) => pageAccept(ctx, int(a0)),
  PAGE_ABANDON: (ctx, _mem, a0) => pageAbandon(ctx, int(a0)),
  PAGE_READ: (ctx, mem, a0, a1, a2) => pageRead(ctx, int(a0), mem, int(a1), int(a2)),
  PAGE_WRITE: (ctx, mem, a0, a1, a2) => pageWrite(ctx, int(a0), mem, int(a1), int(a2)),
} satisfies Record<SyscallNameOf<'page'>, SyscallFn>;

/** A waiting PAGE_TAKE on the event loop. */
const ASYNC = {
  PAGE_TAKE: (ctx, mem, a0, a1) => {
    const deadline = takeDeadline(a1);
    if (deadline !== 0 && !Number.isNaN(deadline)) return blockingAsync(PAGE_TAKE_INTO, ctx, 0, mem, int(a0), 0, deadline, undefined);
    return Promise.resolve(SYNC.PAGE_TAKE(ctx, mem, a0, a1));
  },
} satisfies Partial<Record<SyscallNameOf<'page'>, SyscallAsyncFn>>;

/** Dispatches one page IPC syscall, blocking the thread where PAGE_TAKE waits; `pageSyscallAsync`: the same with a waiting PAGE_TAKE on the event loop. */
export const { syscall: pageSyscall, syscallAsync: pageSyscallAsync } = buildDispatch('page', SYNC, ASYNC);

const PAGE_NUMBERS = syscallNames('page').map((name) => SYSCALLS[name].nr);
const FIRST = Math.min(...PAGE_NUMBERS);
const LAST = Math.max(...PAGE_NUMBERS);

/** Whether `nr` is a page IPC syscall. */
export function isPageSyscall(nr: number): boolean {
  return nr >= FIRST && nr <= LAST;
}
