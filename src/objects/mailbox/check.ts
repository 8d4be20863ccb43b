/**
 * The checker's view of a mailbox (kernel.check()): a mailbox is either the
 * mailbox of the task that owns it (T_MAILBOX names it) with
 * MAILBOX_CAPACITY slots, or the attached network interface's transmit
 * queue (owner 0, NET_TX names it) with NET_TX_CAPACITY; its slots are
 * MAILBOX_SLOT_WORDS words in the pool pages it holds (claimed here); a
 * queued message is data from a task (1..MAILBOX_MESSAGE_BYTES bytes) or an
 * Ethernet frame (header to FRAME_MAX_BYTES bytes; in a task's mailbox from
 * the interface, pid 0; in the transmit queue from the driver).
 */
import * as L from '../../core/layout.js';
import { pagesFor } from '../../core/page-pool.js';
import { ETHERNET_HEADER_BYTES } from '../network/frame-route.js';
import type { ObjectCheck } from '../object-type.js';

/** Checks mailbox object `slot` (see the file comment); reports through `ctx`. */
export function checkMailbox(ctx: ObjectCheck, slot: number): void {
  const { r, w } = ctx;
  const o = r.object(slot);
  const name = ctx.objectName(slot);
  const owner = w[o + L.O_OWNER]!;
  const transmitQueue = owner === 0;
  if (transmitQueue) {
    if (w[r.net + L.NET_TX] !== slot + 1) ctx.report(`${name}: owned by no task, yet it is not the network transmit queue`);
  } else {
    const task = ctx.unreapedSlotOf(owner);
    if (task < 0) ctx.report(`${name}: its owner pid ${owner} is no task (it should have gone with it)`);
    else if (w[r.task(task) + L.T_MAILBOX] !== slot + 1) ctx.report(`${name}: its owner ${ctx.taskName(task)} does not name it as its mailbox`);
  }
  const capacity = w[o + L.O_CAPACITY]!;
  const expected = transmitQueue ? L.NET_TX_CAPACITY : L.MAILBOX_CAPACITY;
  if (capacity !== expected) ctx.report(`${name}: capacity ${capacity}, not ${expected}`);
  if (w[o + L.O_SLOT_WORDS] !== L.MAILBOX_SLOT_WORDS) ctx.report(`${name}: slots of ${w[o + L.O_SLOT_WORDS]} words, not ${L.MAILBOX_SLOT_WORDS}`);
  if (w[o + L.O_MAX_BYTES] !== L.FRAME_MAX_BYTES) ctx.report(`${name}: largest message ${w[o + L.O_MAX_BYTES]} bytes, not ${L.FRAME_MAX_BYTES}`);
  const pages = w[o + L.O_PAGES]!;
  const needed = pagesFor((capacity + 1) * L.MAILBOX_SLOT_WORDS * 4);
  if (pages !== needed) ctx.report(`${name}: holds ${pages} pages but its slots need ${needed}`);
  ctx.claimPages(w[o + L.O_RING]!, pages, name);
  if (w[o + L.O_MAILBOX_REFUSED]! < 0) ctx.report(`${name}: refusal count ${w[o + L.O_MAILBOX_REFUSED]} is negative`);
  if (pages === needed && capacity >= 1 && !ctx.queueBusy(o)) checkMessages(ctx, slot, transmitQueue);
}

function checkMessages(ctx: ObjectCheck, slot: number, transmitQueue: boolean): void {
  const { r, w } = ctx;
  const o = r.object(slot);
  const capacity = w[o + L.O_CAPACITY]!;
  const first = w[o + L.O_RING]!;
  if (!(first >= 0 && first < r.pageCount)) return;
  for (let index = 0; index <= capacity; index++) {
    if (!ctx.isQueuedIndex(o, index)) continue;
    const at = r.page(first) + index * L.MAILBOX_SLOT_WORDS;
    const name = `${ctx.objectName(slot)}: queued message at position ${index}`;
    const length = w[at + L.MB_LENGTH]!;
    const sender = w[at + L.MB_SENDER]!;
    const kind = w[at + L.MB_KIND]!;
    if (kind === L.MAIL_KIND_DATA) {
      if (transmitQueue) ctx.report(`${name}: is data, but the transmit queue holds only frames`);
      if (!(length >= 1 && length <= L.MAILBOX_MESSAGE_BYTES)) ctx.report(`${name}: data of ${length} bytes, outside 1..${L.MAILBOX_MESSAGE_BYTES}`);
      if (sender === 0) ctx.report(`${name}: data with no sender pid`);
    } else if (kind === L.MAIL_KIND_FRAME) {
      if (!(length >= ETHERNET_HEADER_BYTES && length <= L.FRAME_MAX_BYTES)) ctx.report(`${name}: a frame of ${length} bytes, outside ${ETHERNET_HEADER_BYTES}..${L.FRAME_MAX_BYTES}`);
      if (transmitQueue ? sender === 0 : sender !== 0) ctx.report(`${name}: a frame from pid ${sender}, but frames come ${transmitQueue ? 'from the driver' : 'from the interface (pid 0)'}`);
    } else {
      ctx.report(`${name}: kind ${kind} is neither data nor frame`);
    }
  }
}
