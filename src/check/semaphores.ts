/**
 * Semaphores (semaphore.ts): a live semaphore's count is within
 * 0..SEMAPHORE_MAX (it is marked destroyed only as it is freed).
 */
import * as L from '../core/layout.js';
import type { CheckContext, CheckSection } from './context.js';

export const semaphoresSection: CheckSection = {
  name: 'semaphores',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    for (const slot of ctx.objectsOfType(L.OBJ_SEMAPHORE)) {
      const count = w[r.object(slot) + L.O_SEM_COUNT]!;
      if (count < 0) ctx.report(`${ctx.objectName(slot)}: count ${count} is negative${count === L.SEMAPHORE_DESTROYED ? ' (marked destroyed, yet not freed)' : ''}`);
    }
  },
};
