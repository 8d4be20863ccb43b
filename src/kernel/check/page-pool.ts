/**
 * The page pool (pages.ts): the header's count of pages in use is the
 * number of bits set in the page bitmap, no bit is set past the last page,
 * and every page an earlier section claimed (the pages of channels, rings
 * and mailboxes) is marked in use. Runs after every section that claims
 * pages.
 *
 * Page IPC frames (page-space.ts) come from this pool too, and no section
 * claims them yet, so a page in use that nobody claimed is not reported:
 * once a page-IPC section claims its frames, set
 * {@link REPORT_UNCLAIMED_PAGES} and such a page is reported as leaked.
 */
import * as L from '../layout.js';
import { bitHas, countBits, type CheckContext, type CheckSection } from './context.js';

/** Whether a page marked in use that no section claimed is a leak (true once every holder of pages claims them). */
export const REPORT_UNCLAIMED_PAGES = false;

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
      else if (REPORT_UNCLAIMED_PAGES && owner === undefined && used) ctx.report(`page ${p}: marked in use but held by nothing (leaked)`);
    }
  },
};
