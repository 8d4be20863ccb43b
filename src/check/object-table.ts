/**
 * The object table (objects.ts): the free list links exactly the free
 * slots, once each; the header's count of live objects matches the table;
 * a live object has a known type, a generation in range, at least one
 * reference (it is freed with its last), and only the flags its type can
 * have: only a port is ever destroyed while still referenced (other objects
 * are destroyed as they are freed), only a ring is shut down. A destroyed
 * port has given its ring back and has empty indices.
 */
import * as L from '../core/layout.js';
import { objectTypeOf } from '../objects/registry.js';
import type { CheckContext, CheckSection } from './context.js';

/** objects.ts wraps object generations at this value. */
const OBJECT_GEN_LIMIT = 0x200000;
const KNOWN_FLAGS = L.OBJECT_FLAG_DESTROYED | L.OBJECT_FLAG_RING_SHUT;

export const objectTableSection: CheckSection = {
  name: 'object table',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const onFreeList = walkFreeList(ctx);
    let live = 0;
    for (let slot = 0; slot < r.maxObjects; slot++) {
      const o = r.object(slot);
      const type = w[o + L.O_TYPE]!;
      if (type === L.OBJ_FREE) {
        if (!onFreeList[slot]) ctx.report(`free object ${slot} is not on the free list (lost for good)`);
        continue;
      }
      live++;
      const name = ctx.objectName(slot);
      if (objectTypeOf(type) === undefined) ctx.report(`object ${slot}: type ${type} is no object type`);
      const gen = w[o + L.O_GEN]!;
      if (!(gen >= 0 && gen < OBJECT_GEN_LIMIT)) ctx.report(`${name}: generation ${gen} is out of range`);
      if (w[o + L.O_REFS]! < 1) ctx.report(`${name}: live with ${w[o + L.O_REFS]} references (it should have been freed with its last)`);
      const flags = w[o + L.O_FLAGS]!;
      if (flags & ~KNOWN_FLAGS) ctx.report(`${name}: unknown flag bits ${(flags & ~KNOWN_FLAGS).toString(16)}`);
      if (flags & L.OBJECT_FLAG_DESTROYED && !objectTypeOf(type)?.endsWithOwnerReceiver) ctx.report(`${name}: destroyed yet not freed (only a port outlives its destruction)`);
      if (flags & L.OBJECT_FLAG_RING_SHUT && type !== L.OBJ_RING) ctx.report(`${name}: shut down, which only a ring can be`);
      if (type === L.OBJ_PORT && flags & L.OBJECT_FLAG_DESTROYED) {
        if (w[o + L.O_RING] !== -1) ctx.report(`${name}: destroyed but still holds its ring at message slot ${w[o + L.O_RING]}`);
        if (w[o + L.O_HEAD] !== 0 || w[o + L.O_TAIL] !== 0) ctx.report(`${name}: destroyed but its head/tail are ${w[o + L.O_HEAD]}/${w[o + L.O_TAIL]}`);
      }
    }
    const used = w[L.H_OBJECTS_USED]!;
    if (used !== live) ctx.report(`header: ${used} objects counted in use but ${live} are live`);
  },
};

/** Follows the free list from H_OBJECT_FREE; reports bad links, cycles and live objects on it. Returns which slots it reached. */
function walkFreeList(ctx: CheckContext): Uint8Array {
  const { r, w } = ctx;
  const reached = new Uint8Array(r.maxObjects);
  let from = 'header: the object free list';
  for (let slot = w[L.H_OBJECT_FREE]!; slot !== -1; slot = w[r.object(slot) + L.O_NEXT_FREE]!) {
    if (!(Number.isInteger(slot) && slot >= 0 && slot < r.maxObjects)) {
      ctx.report(`${from} links to object ${slot}, outside the table`);
      break;
    }
    if (reached[slot]) {
      ctx.report(`${from} links back to object ${slot}: the free list has a cycle`);
      break;
    }
    reached[slot] = 1;
    if (w[r.object(slot) + L.O_TYPE] !== L.OBJ_FREE) ctx.report(`${ctx.objectName(slot)} is live but on the free list`);
    from = `free object ${slot}`;
  }
  return reached;
}
