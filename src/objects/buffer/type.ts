/** The buffer, as the rest of the kernel sees it (see src/objects/object-type.ts). */
import * as L from '../../core/layout.js';
import type { ObjectType } from '../object-type.js';
import { destroyBuffer } from './buffer.js';
import { checkBuffer } from './check.js';

export const bufferType: ObjectType = {
  type: L.OBJ_BUFFER,
  name: 'buffer',
  hasQueue: false,
  endsWithOwnerReceiver: false,
  countsEnds: false,
  movesOnTransfer: true,
  events: 0,
  destroy: destroyBuffer,
  details: (w, o) => ({ size: w[o + L.O_BUFFER_BYTES]! }),
  reserved(w, o, count) {
    if (w[o + L.O_RING]! >= 0) count(L.QUOTA_PAGES, w[o + L.O_PAGES]!);
  },
  check: checkBuffer,
};
