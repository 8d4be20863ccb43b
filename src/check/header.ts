/**
 * The header's layout words: every table offset, the undo log's size and
 * the region's length are what computeLayout gives for the limits the
 * header records, and the limits are those the region was opened with.
 */
import * as L from '../core/layout.js';
import type { CheckContext, CheckSection } from './context.js';

export const headerSection: CheckSection = {
  name: 'header',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const limits: L.Limits = {
      maxTasks: w[L.H_MAX_TASKS]!,
      maxObjects: w[L.H_MAX_OBJECTS]!,
      maxHandles: w[L.H_MAX_HANDLES]!,
      messageSlots: w[L.H_MESSAGE_SLOTS]!,
      maxCalls: w[L.H_MAX_CALLS]!,
      namespaceEntries: w[L.H_NAMESPACE_ENTRIES]!,
      maxPathBytes: w[L.H_MAX_PATH_BYTES]!,
      pages: w[L.H_PAGES]!,
      pageSpace: w[L.H_PAGE_SPACE]!,
      pageQuota: w[L.H_PAGE_QUOTA]!,
      deliveries: w[L.H_DELIVERIES]!,
      spin: w[L.H_SPIN]!,
      maxSpinners: w[L.H_MAX_SPINNERS]!,
    };
    const opened: [string, number, number][] = [
      ['maxTasks', limits.maxTasks, r.maxTasks],
      ['maxObjects', limits.maxObjects, r.maxObjects],
      ['maxHandles', limits.maxHandles, r.maxHandles],
      ['messageSlots', limits.messageSlots, r.messageSlots],
      ['maxCalls', limits.maxCalls, r.maxCalls],
      ['namespaceEntries', limits.namespaceEntries, r.namespaceEntries],
      ['maxPathBytes', limits.maxPathBytes, r.maxPathBytes],
      ['pages', limits.pages, r.pageCount],
      ['pageSpace', limits.pageSpace, r.pageSpace],
      ['deliveries', limits.deliveries, r.deliveryCount],
    ];
    for (const [name, now, then] of opened) {
      if (now !== then) ctx.report(`header: limit ${name} reads ${now} but the region was opened with ${then}`);
    }
    const layout = L.computeLayout(limits);
    const placed: [string, number, number][] = [
      ['undo log', L.H_OFF_UNDO, layout.undo],
      ['undo log size', L.H_UNDO_ENTRIES, layout.undoEntries],
      ['task table', L.H_OFF_TASKS, layout.tasks],
      ['object table', L.H_OFF_OBJECTS, layout.objects],
      ['handle tables', L.H_OFF_HANDLES, layout.handles],
      ['message slots', L.H_OFF_MESSAGES, layout.messages],
      ['message bitmap', L.H_OFF_MESSAGE_BITMAP, layout.messageBitmap],
      ['call slots', L.H_OFF_CALLS, layout.calls],
      ['namespace', L.H_OFF_NAMESPACE, layout.namespace],
      ['network block', L.H_OFF_NET, layout.net],
      ['keyboard pipes', L.H_OFF_PIPES, layout.pipes],
      ['page spaces', L.H_OFF_PAGE_SPACES, layout.pageSpaces],
      ['handler tables', L.H_OFF_HANDLER_TYPES, layout.handlerTypes],
      ['delivery records', L.H_OFF_DELIVERIES, layout.deliveries],
      ['frame reference counts', L.H_OFF_FRAME_REFS, layout.frameRefs],
      ['page bitmap', L.H_OFF_PAGE_BITMAP, layout.pageBitmap],
      ['page pool', L.H_OFF_PAGES, layout.pages],
    ];
    for (const [what, word, expected] of placed) {
      if (w[word] !== expected) ctx.report(`header word ${word}: the ${what} is recorded as ${w[word]} but the limits give ${expected}`);
    }
    if (layout.totalWords * 4 !== r.bytes.byteLength) {
      ctx.report(`header: the limits need a region of ${layout.totalWords * 4} bytes but the buffer has ${r.bytes.byteLength}`);
    }
  },
};
