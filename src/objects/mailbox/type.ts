/**
 * The mailbox, as the rest of the kernel sees it (see
 * src/objects/object-type.ts). No handle names a mailbox (a task reaches
 * its own through its task record), so it has no events to wait for.
 */
import * as L from '../../core/layout.js';
import { destroyPagedQueue } from '../../core/queue.js';
import type { ObjectType } from '../object-type.js';
import { checkMailbox } from './check.js';

export const mailboxType: ObjectType = {
  type: L.OBJ_MAILBOX,
  name: 'mailbox',
  hasQueue: true,
  endsWithOwnerReceiver: false,
  countsEnds: false,
  events: 0,
  destroy: destroyPagedQueue,
  details: (w, o) => ({ refused: w[o + L.O_MAILBOX_REFUSED]! }),
  reserved() {},
  check: checkMailbox,
};
