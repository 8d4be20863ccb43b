/**
 * The pool of message slots (queue.ts allocRing/freeRing): every port that
 * is not destroyed owns a ring of capacity + 1 consecutive slots, no slot is
 * in two rings, the bitmap marks exactly the slots of live rings (nothing
 * else, nothing past the last slot), and the header's count of reserved
 * messages is the sum of those ports' capacities. Claims each ring's slots
 * in the context for the sections after it.
 */
import * as L from '../core/layout.js';
import { MAX_PORT_CAPACITY } from '../objects/port/port.js';
import { bitHas, type CheckContext, type CheckSection } from './context.js';

export const messagePoolSection: CheckSection = {
  name: 'message pool',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    let reserved = 0;
    for (const slot of ctx.objectsOfType(L.OBJ_PORT)) {
      const o = r.object(slot);
      if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) continue;
      const capacity = w[o + L.O_CAPACITY]!;
      const first = w[o + L.O_RING]!;
      if (!(capacity >= 1 && capacity <= MAX_PORT_CAPACITY)) {
        ctx.report(`${ctx.objectName(slot)}: capacity ${capacity} is outside 1..${MAX_PORT_CAPACITY}`);
        continue;
      }
      reserved += capacity;
      ctx.claimMessageSlots(first, capacity + 1, slot);
    }
    let marked = 0;
    for (let m = 0; m < r.messageSlots; m++) {
      const used = bitHas(w, r.messageBitmap, m);
      const owner = ctx.messageOwnerOf(m);
      if (used) marked++;
      if (used && owner < 0) ctx.report(`message slot ${m}: marked in use but in no port's ring (leaked)`);
      else if (!used && owner >= 0) ctx.report(`message slot ${m}: in the ring of ${ctx.objectName(owner)} but marked free`);
    }
    for (let m = r.messageSlots; m < Math.ceil(r.messageSlots / 32) * 32; m++) {
      if (bitHas(w, r.messageBitmap, m)) ctx.report(`message bitmap: bit ${m} is set, past the last of ${r.messageSlots} slots`);
    }
    const counted = w[L.H_MESSAGES_RESERVED]!;
    if (counted !== reserved) ctx.report(`header: ${counted} messages counted reserved but the live ports' capacities add up to ${reserved} (${marked} slots marked)`);
  },
};
