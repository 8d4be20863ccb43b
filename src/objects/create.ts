/**
 * What creating any kernel object shares: under the kernel lock, check that
 * the caller's handle table has room, take an object slot, let the object
 * set itself up, and hand the caller a handle with every right. The caller
 * is the object's creator, charged for it and what it reserves
 * (docs/quotas.md). Any error undoes the whole critical section.
 */
import * as L from '../core/layout.js';
import type { Region } from '../core/region.js';
import type { TaskContext } from '../core/context.js';
import { allocObject } from '../core/object-table.js';
import { installHandle } from '../core/handles.js';
import { handleRoom } from '../core/quota.js';

/**
 * Creates an object of `type` owned by the caller; `init` fills its record
 * `o` (logged stores) and returns 0 or -errno. Returns the new handle.
 * Errors: ENOSPC the caller's handle table is full; ENOMEM no object slot;
 * EDQUOT the caller's handles or objects quota is spent; whatever `init`
 * returns.
 */
export function createObject(ctx: TaskContext, type: number, init: (r: Region, o: number) => number): number {
  const r = ctx.r;
  r.lock();
  const room = handleRoom(r, ctx.slot);
  if (room < 0) return r.fail(room);
  const slot = allocObject(r, type, ctx.pid, ctx.pid);
  if (slot < 0) return r.fail(slot);
  const failed = init(r, r.object(slot));
  if (failed < 0) return r.fail(failed);
  return r.unlockWith(installHandle(r, ctx.slot, slot, L.RIGHTS_ALL, 0));
}
