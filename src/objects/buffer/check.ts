/**
 * The checker's view of a buffer (kernel.check()): a buffer holds the pool
 * pages its length needs (claimed here), and its length is from 1 to the
 * largest a buffer may be.
 */
import * as L from '../../core/layout.js';
import { pagesFor } from '../../core/page-pool.js';
import type { ObjectCheck } from '../object-type.js';
import { MAX_BUFFER_BYTES } from './buffer.js';

/** Checks buffer object `slot` (see the file comment); reports through `ctx`. */
export function checkBuffer(ctx: ObjectCheck, slot: number): void {
  const { r, w } = ctx;
  const o = r.object(slot);
  const name = ctx.objectName(slot);
  const length = w[o + L.O_BUFFER_BYTES]!;
  const pages = w[o + L.O_PAGES]!;
  if (!(length >= 1 && length <= MAX_BUFFER_BYTES)) ctx.report(`${name}: length ${length} is outside 1..${MAX_BUFFER_BYTES}`);
  else if (pages !== pagesFor(length)) ctx.report(`${name}: holds ${pages} pages but ${length} bytes need ${pagesFor(length)}`);
  ctx.claimPages(w[o + L.O_RING]!, pages, name);
}
