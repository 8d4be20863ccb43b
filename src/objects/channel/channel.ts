/**
 * Channels (Strat9's SyncChan, syscalls 220–224): bounded MPMC FIFOs that any
 * number of tasks send to and receive from. Unlike a port, a channel has no
 * owner; it lives while any handle to it does (or is in flight).
 *
 * Ends: the kernel counts the handles that can receive (read right) and
 * those that can send (write right). Through the ABI a channel is symmetric
 * (CHAN_CREATE's handle does both); the typed API hands out send-only and
 * receive-only ends. Once no handle can send, receivers drain what is
 * queued and then get EPIPE; once no handle can receive, senders get EPIPE
 * and their message is not sent.
 *
 * Storage: `capacity + 1` slots in the page pool, each a whole number of
 * pairs of cache lines (SLOT_ALIGN_WORDS). A message channel's slot is one 64-byte IpcMessage (the
 * kernel stamps the sender's pid); a bytes channel's slot is a length word
 * then up to O_MAX_BYTES bytes. The queue is the two-lock ring of queue.ts:
 * a send takes only the send lock, a receive only the receive lock, and each
 * commits with one store of its index, so a task killed anywhere leaves its
 * half either as it was or complete.
 */
import * as L from '../../core/layout.js';
import { EAGAIN, EFAULT, EINVAL, EPIPE, WOULD_BLOCK } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, copyIn, copyOut, inBounds } from '../../core/copy.js';
import { allocObjectPages, pagesFor } from '../../core/page-pool.js';
import { lookupTyped, objectOfEntry } from '../../core/handles.js';
import { createObject } from '../create.js';
import { advanceHead, lockObjectQueue, nextIndex, publishTail, resetQueue, roomOrWait, tailToReceive, unlockQueue } from '../../core/queue.js';

/** Largest capacity through the typed API (CHAN_CREATE clamps to 1..CHANNEL_MAX_CAPACITY). */
export const MAX_CHANNEL_CAPACITY = 65536;
/** Largest message of a bytes channel, in bytes. */
export const MAX_CHANNEL_MESSAGE_BYTES = 1 << 20;
/** Codec tags are one byte (src/api/codec.ts). */
export const MAX_CODEC_TAG = 255;

/**
 * Slots take whole pairs of cache lines: with one-line slots a sender filling
 * a slot would pull away the line a receiver is reading next to it
 * (measured: batched 1→1 throughput 4-6 M msg/s with one-line slots, 15-19 M
 * with pairs).
 */
const SLOT_ALIGN_WORDS = L.LINE_PAIR_WORDS;

/** Words per slot: one IpcMessage, or a length word and `maxBytes` bytes, in whole pairs of lines. */
function slotWordsFor(maxBytes: number): number {
  const words = maxBytes === 0 ? L.MESSAGE_WORDS : 1 + Math.ceil(maxBytes / 4);
  return Math.ceil(words / SLOT_ALIGN_WORDS) * SLOT_ALIGN_WORDS;
}

/**
 * Creates a channel of `capacity` messages: IpcMessages when `maxBytes` is
 * 0, else byte strings of up to `maxBytes` bytes. Returns a handle with
 * every right (so it counts as a sender and a receiver).
 * Errors: EINVAL capacity outside 1..MAX_CHANNEL_CAPACITY or maxBytes
 * outside 0..MAX_CHANNEL_MESSAGE_BYTES; ENOMEM no object slot or not
 * enough free pages; ENOSPC the caller's handle table is full; EDQUOT the
 * caller's handles, objects or pages quota would be passed.
 */
export function createChannel(ctx: TaskContext, capacity: number, maxBytes: number, codecTag = 0): number {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CHANNEL_CAPACITY) return -EINVAL;
  if (!Number.isInteger(maxBytes) || maxBytes < 0 || maxBytes > MAX_CHANNEL_MESSAGE_BYTES) return -EINVAL;
  if (!Number.isInteger(codecTag) || codecTag < 0 || codecTag > MAX_CODEC_TAG || (codecTag !== 0 && maxBytes === 0)) return -EINVAL;
  const slotWords = slotWordsFor(maxBytes);
  const pages = pagesFor((capacity + 1) * slotWords * 4);
  return createObject(ctx, L.OBJ_CHANNEL, (r, o) => {
    const first = allocObjectPages(r, o, pages);
    if (first < 0) return first;
    r.set(o + L.O_CAPACITY, capacity);
    r.set(o + L.O_SLOT_WORDS, slotWords);
    r.set(o + L.O_MAX_BYTES, maxBytes);
    r.set(o + L.O_CODEC, codecTag);
    r.set(o + L.O_READERS, 0);
    r.set(o + L.O_WRITERS, 0);
    resetQueue(r, o);
    return 0;
  });
}

/** Word index of slot `index` of channel record `o`. */
function channelSlot(r: Region, o: number, index: number): number {
  return r.page(r.w[o + L.O_RING]!) + index * r.w[o + L.O_SLOT_WORDS]!;
}

/**
 * One try of CHAN_SEND: sends the message at `offset` of `src` (a 64-byte
 * IpcMessage on a message channel; `length` bytes on a bytes channel).
 * 0 when sent; WOULD_BLOCK (wait recorded) while full.
 * Errors: EFAULT the message lies outside `src`; EINVAL `length` above the
 * channel's maximum; EBADF not a channel handle; EPERM no write right;
 * EPIPE the channel has no receivers left (nothing is sent).
 */
export function channelSend(ctx: TaskContext, h: number, src: MessageMemory, offset: number, length: number): number {
  const sent = sendUnderLock(ctx, h, src, offset, length, 1);
  return sent === 1 ? 0 : sent;
}

/**
 * One try of sending up to `count` IpcMessages laid out back to back in
 * `src` from `offset`, on a message channel, under one send lock: as many as
 * there is room for. Returns how many were sent (>= 1); WOULD_BLOCK while
 * full. Errors as {@link channelSend}, and EINVAL `count` below 1 or a bytes
 * channel.
 */
export function channelSendMany(ctx: TaskContext, h: number, src: MessageMemory, offset: number, count: number): number {
  if (!Number.isInteger(count) || count < 1) return -EINVAL;
  return sendUnderLock(ctx, h, src, offset, L.MESSAGE_BYTES * count, count);
}

/** Sends `count` messages (`length` bytes in all; one message on a bytes channel). Returns how many. */
function sendUnderLock(ctx: TaskContext, h: number, src: MessageMemory, offset: number, length: number, count: number): number {
  const r = ctx.r;
  const w = r.w;
  const o = lockObjectQueue(ctx, h, L.OBJ_CHANNEL, L.RIGHT_WRITE, L.O_SEND_LOCK);
  if (o < 0) return o;
  const maxBytes = w[o + L.O_MAX_BYTES]!;
  let result = maxBytes !== 0 && count !== 1 ? -EINVAL : checkMessage(src, offset, maxBytes, maxBytes === 0 ? L.MESSAGE_BYTES * count : length);
  if (result === 0 && w[o + L.O_READERS] === 0) result = -EPIPE;
  if (result === 0) result = roomOrWait(ctx, o);
  if (result < 0) {
    unlockQueue(r, o, L.O_SEND_LOCK);
    return result;
  }
  const n = count < result ? count : result;
  let tail = w[o + L.O_TAIL]!;
  for (let i = 0; i < n; i++) {
    const at = channelSlot(r, o, tail);
    if (maxBytes === 0) {
      copyIn(w, r.bytes, at, src, offset + i * L.MESSAGE_BYTES);
      w[at + (L.MSG_SENDER >> 2)] = ctx.pid;
      w[at + (L.MSG_SENDER >> 2) + 1] = 0;
    } else {
      w[at] = length;
      r.bytes.set(src.bytes.subarray(offset, offset + length), (at + 1) * 4);
    }
    tail = nextIndex(r, o, tail);
  }
  publishTail(r, o, tail);
  unlockQueue(r, o, L.O_SEND_LOCK);
  w[ctx.record + L.T_SENDS] += n;
  return n;
}

/** Checks `length` bytes at `offset` of `src`: the messages of a message channel, or one value of at most `maxBytes`. */
function checkMessage(src: MessageMemory, offset: number, maxBytes: number, length: number): number {
  if (maxBytes !== 0 && !(Number.isInteger(length) && length >= 0 && length <= maxBytes)) return -EINVAL;
  return inBounds(src, offset, length) ? 0 : -EFAULT;
}

/**
 * One try of CHAN_RECV (`blocking`) or CHAN_TRY_RECV: takes the oldest
 * message into `dst` at `offset`. Returns 0 for an IpcMessage (64 bytes
 * written), or a bytes channel's message length. While empty: WOULD_BLOCK
 * (wait recorded) or -EAGAIN, and -EPIPE once no sender is left (queued
 * messages drain first).
 * Errors: EFAULT `dst` cannot hold the message (it stays queued); EBADF;
 * EPERM no read right.
 */
export function channelReceive(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, blocking: boolean): number {
  return receiveUnderLock(ctx, h, dst, offset, 1, blocking, false);
}

/**
 * One try of receiving up to `max` queued IpcMessages of a message channel
 * into `dst` from `offset` (64 bytes each) under one receive lock. Returns
 * how many (>= 1). Same errors and waits as {@link channelReceive}, and
 * EINVAL `max` below 1 or a bytes channel.
 */
export function channelReceiveMany(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, max: number, blocking: boolean): number {
  if (!Number.isInteger(max) || max < 1) return -EINVAL;
  return receiveUnderLock(ctx, h, dst, offset, max, blocking, true);
}

/**
 * Receives up to `max` messages. Returns how many when `many`, else 0 for
 * an IpcMessage or a bytes channel's message length.
 */
function receiveUnderLock(ctx: TaskContext, h: number, dst: MessageMemory, offset: number, max: number, blocking: boolean, many: boolean): number {
  const r = ctx.r;
  const w = r.w;
  const o = lockObjectQueue(ctx, h, L.OBJ_CHANNEL, L.RIGHT_READ, L.O_RECV_LOCK);
  if (o < 0) return o;
  const messages = w[o + L.O_MAX_BYTES] === 0;
  // A destination that cannot hold even one message fails now, empty or not.
  if (!inBounds(dst, offset, messages ? L.MESSAGE_BYTES : 0)) {
    unlockQueue(r, o, L.O_RECV_LOCK);
    return -EFAULT;
  }
  let head = w[o + L.O_HEAD]!;
  let tail = tailToReceive(ctx, o);
  // The last sender may have published messages and left since the queue
  // looked empty: they drain before EPIPE, so look once more.
  if (tail < 0 && noSendersLeft(w, o)) tail = tailToReceive(ctx, o);
  if (tail < 0) {
    unlockQueue(r, o, L.O_RECV_LOCK);
    return whenEmpty(ctx, o, blocking);
  }
  let result = 0;
  if (messages) {
    while (result < max && head !== tail) {
      if (!inBounds(dst, offset + result * L.MESSAGE_BYTES, L.MESSAGE_BYTES)) break;
      copyOut(w, r.bytes, channelSlot(r, o, head), dst, offset + result * L.MESSAGE_BYTES);
      head = nextIndex(r, o, head);
      result++;
    }
    if (result === 0) result = -EFAULT;
  } else if (many) {
    result = -EINVAL;
  } else {
    const at = channelSlot(r, o, head);
    const length = w[at]!;
    if (inBounds(dst, offset, length)) {
      const from = (at + 1) * 4;
      dst.bytes.set(r.bytes.subarray(from, from + length), offset);
      head = nextIndex(r, o, head);
      result = length;
    } else {
      result = -EFAULT;
    }
  }
  if (result >= 0) {
    advanceHead(r, o, head);
    w[ctx.record + L.T_RECEIVES] += messages ? result : 1;
  }
  unlockQueue(r, o, L.O_RECV_LOCK);
  return messages && !many && result === 1 ? 0 : result;
}

/** Whether channel `o` is destroyed or has no sender end left (read after its queue's tail). */
function noSendersLeft(w: Int32Array, o: number): boolean {
  return (Atomics.load(w, o + L.O_FLAGS) & L.OBJECT_FLAG_DESTROYED) !== 0 || Atomics.load(w, o + L.O_WRITERS) === 0;
}

/** An empty channel (the wait for a message recorded): EPIPE once destroyed or without senders, else EAGAIN or WOULD_BLOCK. */
function whenEmpty(ctx: TaskContext, o: number, blocking: boolean): number {
  if (noSendersLeft(ctx.r.w, o)) return -EPIPE;
  return blocking ? WOULD_BLOCK : -EAGAIN;
}


/** What the channel `h` names carries: its largest message and its codec's tag. */
export interface ChannelShape {
  /** 0: a message channel of 64-byte IpcMessages; else the largest byte string. */
  maxBytes: number;
  /** 0: no codec (messages or byte strings). */
  codecTag: number;
}

/**
 * The shape of the channel `h` names, or -errno: EBADF not a channel handle.
 * `into` is filled and returned as 0.
 */
export function channelShape(ctx: TaskContext, h: number, into: ChannelShape): number {
  const r = ctx.r;
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_CHANNEL, 0);
  if (e >= 0) {
    const o = r.object(objectOfEntry(r, e));
    into.maxBytes = r.w[o + L.O_MAX_BYTES]!;
    into.codecTag = r.w[o + L.O_CODEC]!;
  }
  r.unlock();
  return e < 0 ? e : 0;
}
