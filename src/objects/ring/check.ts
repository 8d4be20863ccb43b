/**
 * The checker's view of a shared ring (kernel.check()): a ring holds the
 * pool pages it was created with (claimed here), its size is those pages'
 * bytes, and its byte stream holds one byte less.
 */
import * as L from '../../core/layout.js';
import type { ObjectCheck } from '../object-type.js';

/** Checks ring object `slot` (see the file comment); reports through `ctx`. */
export function checkRing(ctx: ObjectCheck, slot: number): void {
  const { r, w } = ctx;
  const o = r.object(slot);
  const name = ctx.objectName(slot);
  const pages = w[o + L.O_PAGES]!;
  const bytes = w[o + L.O_RING_BYTES]!;
  if (bytes !== pages * L.PAGE_BYTES) ctx.report(`${name}: size ${bytes} bytes but it holds ${pages} pages`);
  if (w[o + L.O_CAPACITY] !== bytes - 1) ctx.report(`${name}: stream capacity ${w[o + L.O_CAPACITY]} but its size is ${bytes} bytes`);
  ctx.claimPages(w[o + L.O_RING]!, pages, name);
}
