/** The channel, as the rest of the kernel sees it (see src/objects/object-type.ts). */
import * as L from '../../core/layout.js';
import { destroyPagedQueue, queueEvents } from '../../core/queue.js';
import type { ObjectType } from '../object-type.js';
import { checkChannel } from './check.js';

export const channelType: ObjectType = {
  type: L.OBJ_CHANNEL,
  name: 'channel',
  hasQueue: true,
  endsWithOwnerReceiver: false,
  countsEnds: true,
  events: L.EVENT_READABLE | L.EVENT_WRITABLE,
  destroy: destroyPagedQueue,
  readyEvents: queueEvents,
  details: (w, o) => ({ ends: { senders: w[o + L.O_WRITERS]!, receivers: w[o + L.O_READERS]! } }),
  reserved(w, o, count) {
    if (w[o + L.O_RING]! >= 0) count(L.QUOTA_PAGES, w[o + L.O_PAGES]!);
  },
  check: checkChannel,
};
