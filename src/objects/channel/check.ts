/**
 * The checker's view of a channel (kernel.check()): a channel keeps
 * capacity + 1 slots of whole pairs of cache lines in the pool pages it
 * holds (claimed here), each big enough for an IpcMessage or for a length
 * word and O_MAX_BYTES bytes; its capacity and message size are within the
 * creation limits; its codec tag is a byte, and 0 on a message channel; a
 * queued message of a bytes channel is no longer than the maximum.
 */
import * as L from '../../core/layout.js';
import { pagesFor } from '../../core/page-pool.js';
import { MAX_CHANNEL_CAPACITY, MAX_CHANNEL_MESSAGE_BYTES, MAX_CODEC_TAG } from './channel.js';
import type { ObjectCheck } from '../object-type.js';

/** Checks channel object `slot` (see the file comment); reports through `ctx`. */
export function checkChannel(ctx: ObjectCheck, slot: number): void {
  const { r, w } = ctx;
  const o = r.object(slot);
  const name = ctx.objectName(slot);
  const capacity = w[o + L.O_CAPACITY]!;
  const maxBytes = w[o + L.O_MAX_BYTES]!;
  const slotWords = w[o + L.O_SLOT_WORDS]!;
  const pages = w[o + L.O_PAGES]!;
  if (!(capacity >= 1 && capacity <= MAX_CHANNEL_CAPACITY)) ctx.report(`${name}: capacity ${capacity} is outside 1..${MAX_CHANNEL_CAPACITY}`);
  if (!(maxBytes >= 0 && maxBytes <= MAX_CHANNEL_MESSAGE_BYTES)) ctx.report(`${name}: message size ${maxBytes} is outside 0..${MAX_CHANNEL_MESSAGE_BYTES}`);
  const codecTag = w[o + L.O_CODEC]!;
  if (!(codecTag >= 0 && codecTag <= MAX_CODEC_TAG) || (maxBytes === 0 && codecTag !== 0)) ctx.report(`${name}: codec tag ${codecTag} is not a byte, or is set on a message channel`);
  const needed = maxBytes === 0 ? L.MESSAGE_WORDS : 1 + Math.ceil(maxBytes / 4);
  if (slotWords < needed || slotWords % L.LINE_PAIR_WORDS !== 0) ctx.report(`${name}: slots of ${slotWords} words cannot hold ${needed} words in whole pairs of lines`);
  if (pages !== pagesFor((capacity + 1) * slotWords * 4)) ctx.report(`${name}: holds ${pages} pages but ${capacity + 1} slots of ${slotWords} words need ${pagesFor((capacity + 1) * slotWords * 4)}`);
  ctx.claimPages(w[o + L.O_RING]!, pages, name);
  if (maxBytes !== 0 && !ctx.queueBusy(o)) checkLengths(ctx, slot, maxBytes, slotWords);
}

/** Each queued message of bytes channel `slot` is at most `maxBytes` long. */
function checkLengths(ctx: ObjectCheck, slot: number, maxBytes: number, slotWords: number): void {
  const { r, w } = ctx;
  const o = r.object(slot);
  const capacity = w[o + L.O_CAPACITY]!;
  const base = r.page(w[o + L.O_RING]!);
  if (!(base >= r.pages && base + (capacity + 1) * slotWords <= w.length)) return;
  for (let index = 0; index <= capacity; index++) {
    if (!ctx.isQueuedIndex(o, index)) continue;
    const length = w[base + index * slotWords]!;
    if (!(length >= 0 && length <= maxBytes)) ctx.report(`${ctx.objectName(slot)}: queued message at position ${index} is ${length} bytes long, beyond 0..${maxBytes}`);
  }
}
