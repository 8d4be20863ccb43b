/** The shared ring, as the rest of the kernel sees it (see src/objects/object-type.ts). */
import * as L from '../../core/layout.js';
import { destroyPagedQueue, queueEvents } from '../../core/queue.js';
import type { ObjectType } from '../object-type.js';
import { checkRing } from './check.js';

export const ringType: ObjectType = {
  type: L.OBJ_RING,
  name: 'ring',
  hasQueue: true,
  endsWithOwnerReceiver: false,
  countsEnds: false,
  events: L.EVENT_READABLE | L.EVENT_WRITABLE,
  destroy: destroyPagedQueue,
  readyEvents: queueEvents,
  details: (w, o) => ({ size: w[o + L.O_RING_BYTES]! }),
  reserved(w, o, count) {
    if (w[o + L.O_RING]! >= 0) count(L.QUOTA_PAGES, w[o + L.O_PAGES]!);
  },
  check: checkRing,
};
