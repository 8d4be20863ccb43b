/**
 * The blocking ops of page IPC's take, defined once for both drivers of
 * src/ops/blocking.ts: wait until a delivery to the caller is pending, then
 * take it.
 */
import type { BlockingOp } from './blocking.js';
import { type DeliveryInfo, pageTakeInto, pageTakeOrWait } from '../objects/page-ipc/page-ipc.js';

/** PAGE_TAKE with a timeout (h, n: 0; the record is written at `offset`): 1 once a delivery is taken, or -errno (ETIMEDOUT). */
export const PAGE_TAKE_INTO: BlockingOp = { attempt: (ctx, _h, mem, ptr) => pageTakeInto(ctx, mem, ptr, true) };

/** Takes the next delivery into `info` (h, n: 0; mem: NO_MEMORY), waiting until one is pending: 1, or -errno (ETIMEDOUT, ENOMEM). */
export function pageTakeInfo(info: DeliveryInfo): BlockingOp {
  return { attempt: (ctx) => pageTakeOrWait(ctx, info) };
}
