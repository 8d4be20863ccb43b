/**
 * The page pool (pages.ts): the header's count of pages in use is the
 * number of bits set in the page bitmap, no bit is set past the last page,
 * every page an earlier section claimed (the pages of channels, rings and
 * mailboxes, page IPC frames with holders) is marked in use, and every page
 * marked in use is claimed (else it leaked). Runs after every section that
 * claims pages.
 */
import * as L from '../core/layout.js';
import { bitHas, countBits, type CheckContext, type CheckSection } from './context.js';

export const pagePoolSection: CheckSection = {
  name: 'page pool',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const marked = countBits(w, r.pageBitmap, r.pageCount);
    const counted = w[L.H_PAGES_USED]!;
    if (counted !== marked) ctx.report(`header: ${counted} pages counted in use but the page bitmap marks ${marked}`);
    for (let p = r.pageCount; p < Math.ceil(r.pageCount / 32) * 32; p++) {
      if (bitHas(w, r.pageBitmap, p)) ctx.report(`page bitmap: bit ${p} is set, past the last of ${r.pageCount} pages`);
    }
    for (let p = 0; p < r.pageCount; p++) {
      const owner = ctx.pageOwnerOf(p);
      const used = bitHas(w, r.pageBitmap, p);
      if (owner !== undefined && !used) ctx.report(`page ${p}: held by ${owner} but marked free`);
      else if (owner === undefined && used) ctx.report(`page ${p}: marked in use but held by nothing (leaked)`);
    }
  },
};
