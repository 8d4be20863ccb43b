/** The port, as the rest of the kernel sees it (see src/objects/object-type.ts). */
import * as L from '../../core/layout.js';
import { queueEvents } from '../../core/queue.js';
import type { ObjectType } from '../object-type.js';
import { destroyPort } from './port.js';

export const portType: ObjectType = {
  type: L.OBJ_PORT,
  name: 'port',
  hasQueue: true,
  endsWithOwnerReceiver: true,
  countsEnds: false,
  events: L.EVENT_READABLE | L.EVENT_WRITABLE,
  destroy: destroyPort,
  readyEvents: queueEvents,
  details: () => ({}),
  reserved(w, o, count) {
    if (w[o + L.O_RING]! >= 0) count(L.QUOTA_MESSAGE_SLOTS, w[o + L.O_CAPACITY]! + 1);
  },
  // A port's queue is checked with the message pool and the calls it links (src/check/port-queues.ts).
};
