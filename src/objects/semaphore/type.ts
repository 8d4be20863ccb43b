/** The semaphore, as the rest of the kernel sees it (see src/objects/object-type.ts). */
import * as L from '../../core/layout.js';
import type { ObjectType } from '../object-type.js';
import { destroySemaphore, semaphoreEvents } from './semaphore.js';
import { checkSemaphore } from './check.js';

export const semaphoreType: ObjectType = {
  type: L.OBJ_SEMAPHORE,
  name: 'semaphore',
  hasQueue: false,
  endsWithOwnerReceiver: false,
  countsEnds: false,
  events: L.EVENT_READABLE,
  destroy: destroySemaphore,
  readyEvents: semaphoreEvents,
  details: (w, o) => ({ capacity: 0, count: Math.max(0, w[o + L.O_SEM_COUNT]!) }),
  reserved() {},
  check: checkSemaphore,
  waiters: {
    counter: (o) => o + L.O_SEM_WAITERS,
    satisfied: (w, o) => w[o + L.O_SEM_COUNT]! > 0,
  },
};
