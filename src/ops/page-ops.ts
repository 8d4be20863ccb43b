/**
 * Blocking forms of page IPC's take (docs/syscalls/page_take.md): wait until a delivery
 * to the caller is pending, then take it. Deadlines and signals as in blocking.ts.
 */
import { WOULD_BLOCK } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import type { MessageMemory } from '../core/copy.js';
import { type Attempt, blocking, blockingAsync } from './blocking.js';
import { type DeliveryInfo, pageTakeInto, pageTakeOrWait } from '../objects/page-ipc/page-ipc.js';

const tryTakeInto: Attempt = (ctx, _h, mem, offset) => pageTakeInto(ctx, mem, offset, true);
const NO_MEMORY: MessageMemory = { bytes: new Uint8Array(0), words: null };

/** PAGE_TAKE with a timeout: 1 once a delivery is taken (its record written at `ptr`), or -errno (ETIMEDOUT). */
export function pageTakeIntoBlocking(ctx: TaskContext, mem: MessageMemory, ptr: number, deadline: number): number {
  return blocking(tryTakeInto, ctx, 0, mem, ptr, 0, deadline);
}
export function pageTakeIntoAsync(ctx: TaskContext, mem: MessageMemory, ptr: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryTakeInto, ctx, 0, mem, ptr, 0, deadline, signal);
}

/** Takes the next delivery into `info`, sleeping until one is pending: 1, or -errno (ETIMEDOUT, ENOMEM). */
export function pageTakeBlocking(ctx: TaskContext, info: DeliveryInfo, deadline: number): number {
  const r = pageTakeOrWait(ctx, info);
  return r === WOULD_BLOCK ? blocking((c) => pageTakeOrWait(c, info), ctx, 0, NO_MEMORY, 0, 0, deadline) : r;
}
