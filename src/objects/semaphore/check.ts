/**
 * The checker's view of a semaphore (kernel.check()): a live semaphore's
 * count is within 0..SEMAPHORE_MAX (it is marked destroyed only as it is
 * freed).
 */
import * as L from '../../core/layout.js';
import type { ObjectCheck } from '../object-type.js';

/** Checks semaphore object `slot` (see the file comment); reports through `ctx`. */
export function checkSemaphore(ctx: ObjectCheck, slot: number): void {
  const { r, w } = ctx;
  const count = w[r.object(slot) + L.O_SEM_COUNT]!;
  if (count < 0) ctx.report(`${ctx.objectName(slot)}: count ${count} is negative${count === L.SEMAPHORE_DESTROYED ? ' (marked destroyed, yet not freed)' : ''}`);
}
