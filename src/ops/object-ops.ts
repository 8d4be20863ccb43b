/**
 * Blocking kernel operations: each object op tried under the lock, and while
 * it answers WOULD_BLOCK, the task parks on the word it named and tries
 * again. Sync forms sleep the thread; async forms leave the event loop free.
 *
 * `deadline` is a `performance.now()` time, or Infinity to wait forever. An
 * expired deadline is ETIMEDOUT; an aborted signal is EINTR. Nothing here
 * knows syscall numbers: the ABI tables and the typed API both call these.
 */
import { EINTR, ETIMEDOUT, WOULD_BLOCK } from '../core/errno.js';
import { type Attempt, blocking, blockingAsync, tryParkingOnLocks } from './blocking.js';
import type { TaskContext } from '../core/context.js';
import type { MessageMemory } from '../core/copy.js';
import { PARK_TIMED_OUT, park, parkAsync } from './park.js';
import { enqueueBatch, enqueueMessage } from '../objects/port/send.js';
import { receiveBatch, receiveMessage } from '../objects/port/receive.js';
import { cancelCall, takeReply } from '../objects/port/call.js';
import { readyEvents } from './handle-ops.js';
import { channelReceive, channelReceiveMany, channelSend, channelSendMany } from '../objects/channel/channel.js';
import { semaphoreTake } from '../objects/semaphore/semaphore.js';
import { ringRead, ringWrite } from '../objects/ring/stream.js';

const trySend: Attempt = (ctx, h, mem, offset) => enqueueMessage(ctx, h, mem, offset, false);
const tryCall: Attempt = (ctx, h, mem, offset) => enqueueMessage(ctx, h, mem, offset, true);
const tryReceive: Attempt = (ctx, h, mem, offset) => receiveMessage(ctx, h, mem, offset, true);
const trySendBatch: Attempt = (ctx, h, mem, offset, n) => enqueueBatch(ctx, h, mem, offset, n);
const tryReceiveBatch: Attempt = (ctx, h, mem, offset, n) => receiveBatch(ctx, h, mem, offset, n, true);
const tryWait: Attempt = (ctx, h, _mem, _offset, interest) => readyEvents(ctx, h, false, interest);
const tryChannelSend: Attempt = (ctx, h, mem, offset, length) => channelSend(ctx, h, mem, offset, length);
const tryChannelReceive: Attempt = (ctx, h, mem, offset) => channelReceive(ctx, h, mem, offset, true);
const tryChannelSendMany: Attempt = (ctx, h, mem, offset, count) => channelSendMany(ctx, h, mem, offset, count);
const tryChannelReceiveMany: Attempt = (ctx, h, mem, offset, max) => channelReceiveMany(ctx, h, mem, offset, max, true);
const trySemaphoreTake: Attempt = (ctx, h) => semaphoreTake(ctx, h, true);
const tryRingWriteWhole: Attempt = (ctx, h, mem, offset, length) => ringWrite(ctx, h, mem.bytes, offset, length, true, true);
const tryRingWriteSome: Attempt = (ctx, h, mem, offset, length) => ringWrite(ctx, h, mem.bytes, offset, length, false, true);
const tryRingRead: Attempt = (ctx, h, mem, offset, max) => ringRead(ctx, h, mem.bytes, offset, max, true);
/** HANDLE_WAIT copies no message. */
const NO_MEMORY: MessageMemory = { bytes: new Uint8Array(0), words: null };

/*
 * Each sync op tries once itself before handing over to `blocking`: that
 * call site sees one function, so the engine inlines the whole fast path.
 */

/** IPC_SEND, blocking while the port is full. 0 or -errno. */
export function send(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number): number {
  const r = tryParkingOnLocks(trySend, ctx, h, mem, offset, 0);
  return r === WOULD_BLOCK ? blocking(trySend, ctx, h, mem, offset, 0, deadline) : r;
}
export function sendAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(trySend, ctx, h, mem, offset, 0, deadline, signal);
}

/** Sends up to `count` messages, blocking while the port is full; returns how many went (>= 1). */
export function sendBatch(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, count: number, deadline: number): number {
  const r = tryParkingOnLocks(trySendBatch, ctx, h, mem, offset, count);
  return r === WOULD_BLOCK ? blocking(trySendBatch, ctx, h, mem, offset, count, deadline) : r;
}
export function sendBatchAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, count: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(trySendBatch, ctx, h, mem, offset, count, deadline, signal);
}

/** IPC_RECV, blocking while the port is empty. 0 or -errno. */
export function receive(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number): number {
  const r = tryParkingOnLocks(tryReceive, ctx, h, mem, offset, 0);
  return r === WOULD_BLOCK ? blocking(tryReceive, ctx, h, mem, offset, 0, deadline) : r;
}
export function receiveAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryReceive, ctx, h, mem, offset, 0, deadline, signal);
}

/** Receives up to `max` messages, blocking while the port is empty; returns how many (>= 1). */
export function receiveMany(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, max: number, deadline: number): number {
  const r = tryParkingOnLocks(tryReceiveBatch, ctx, h, mem, offset, max);
  return r === WOULD_BLOCK ? blocking(tryReceiveBatch, ctx, h, mem, offset, max, deadline) : r;
}
export function receiveManyAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, max: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryReceiveBatch, ctx, h, mem, offset, max, deadline, signal);
}

/** HANDLE_WAIT: the ready events of `h` among `interest`, waiting for one until the deadline. */
export function waitHandle(ctx: TaskContext, h: number, interest: number, deadline: number): number {
  return blocking(tryWait, ctx, h, NO_MEMORY, 0, interest, deadline);
}
export function waitHandleAsync(ctx: TaskContext, h: number, interest: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryWait, ctx, h, NO_MEMORY, 0, interest, deadline, signal);
}

/**
 * IPC_CALL: sends the message as a call, then waits for its reply, which
 * overwrites the message. 0 when answered; -EPIPE (with an error reply
 * written) when the server or port died; -ETIMEDOUT / -EINTR when the caller
 * gave up, in which case a still-queued call is withdrawn and a received one
 * is abandoned (the server's reply is dropped).
 */
export function call(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number): number {
  const sent = tryParkingOnLocks(tryCall, ctx, h, mem, offset, 0);
  const cs = sent === WOULD_BLOCK ? blocking(tryCall, ctx, h, mem, offset, 0, deadline) : sent;
  if (cs < 0) return cs;
  for (;;) {
    const r = takeReply(ctx, cs, mem, offset);
    if (r !== WOULD_BLOCK) return r;
    if (park(ctx, deadline) === PARK_TIMED_OUT && !cancelCall(ctx, cs)) return -ETIMEDOUT;
  }
}

export async function callAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number, signal?: AbortSignal): Promise<number> {
  const cs = await blockingAsync(tryCall, ctx, h, mem, offset, 0, deadline, signal);
  if (cs < 0) return cs;
  for (;;) {
    // Once the task is closed its call is gone (withdrawn or abandoned).
    if (ctx.r.closedError !== undefined) throw ctx.r.closedError();
    const r = takeReply(ctx, cs, mem, offset);
    if (r !== WOULD_BLOCK) return r;
    const parked = await parkAsync(ctx, deadline, signal);
    if ((parked === PARK_TIMED_OUT || signal?.aborted) && !cancelCall(ctx, cs)) {
      return parked === PARK_TIMED_OUT ? -ETIMEDOUT : -EINTR;
    }
  }
}

/** CHAN_SEND: sends one message (`length` bytes on a bytes channel), blocking while the channel is full. 0 or -errno. */
export function channelSendBlocking(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, length: number, deadline: number): number {
  const r = tryParkingOnLocks(tryChannelSend, ctx, h, mem, offset, length);
  return r === WOULD_BLOCK ? blocking(tryChannelSend, ctx, h, mem, offset, length, deadline) : r;
}
export function channelSendAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, length: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryChannelSend, ctx, h, mem, offset, length, deadline, signal);
}

/** CHAN_RECV: receives one message, blocking while the channel is empty. 0 (IpcMessage) or the length (bytes), or -errno. */
export function channelReceiveBlocking(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number): number {
  const r = tryParkingOnLocks(tryChannelReceive, ctx, h, mem, offset, 0);
  return r === WOULD_BLOCK ? blocking(tryChannelReceive, ctx, h, mem, offset, 0, deadline) : r;
}
export function channelReceiveAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryChannelReceive, ctx, h, mem, offset, 0, deadline, signal);
}

/** Sends up to `count` IpcMessages on a message channel, blocking while it is full; returns how many went (>= 1). */
export function channelSendManyBlocking(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, count: number, deadline: number): number {
  const r = tryParkingOnLocks(tryChannelSendMany, ctx, h, mem, offset, count);
  return r === WOULD_BLOCK ? blocking(tryChannelSendMany, ctx, h, mem, offset, count, deadline) : r;
}
export function channelSendManyAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, count: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryChannelSendMany, ctx, h, mem, offset, count, deadline, signal);
}

/** Receives up to `max` IpcMessages of a message channel, blocking while it is empty; returns how many (>= 1). */
export function channelReceiveManyBlocking(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, max: number, deadline: number): number {
  const r = tryParkingOnLocks(tryChannelReceiveMany, ctx, h, mem, offset, max);
  return r === WOULD_BLOCK ? blocking(tryChannelReceiveMany, ctx, h, mem, offset, max, deadline) : r;
}
export function channelReceiveManyAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, max: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryChannelReceiveMany, ctx, h, mem, offset, max, deadline, signal);
}

/** SEM_WAIT: takes one from the count, blocking while it is 0. 0 or -errno. */
export function semaphoreWait(ctx: TaskContext, h: number, deadline: number): number {
  const r = semaphoreTake(ctx, h, true);
  return r === WOULD_BLOCK ? blocking(trySemaphoreTake, ctx, h, NO_MEMORY, 0, 0, deadline) : r;
}
export function semaphoreWaitAsync(ctx: TaskContext, h: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(trySemaphoreTake, ctx, h, NO_MEMORY, 0, 0, deadline, signal);
}

/**
 * Writes `length` bytes of `mem` from `offset` to a ring's stream, blocking
 * while there is no room: in one piece when `whole`, else as many as fit
 * (call again for the rest). Returns how many were written, or -errno.
 */
export function ringWriteBlocking(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, length: number, whole: boolean, deadline: number): number {
  return blocking(whole ? tryRingWriteWhole : tryRingWriteSome, ctx, h, mem, offset, length, deadline);
}
export function ringWriteAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, length: number, whole: boolean, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(whole ? tryRingWriteWhole : tryRingWriteSome, ctx, h, mem, offset, length, deadline, signal);
}

/** Reads up to `max` bytes of a ring's stream, blocking while it is empty. How many (0 at its end), or -errno. */
export function ringReadBlocking(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, max: number, deadline: number): number {
  return blocking(tryRingRead, ctx, h, mem, offset, max, deadline);
}
export function ringReadAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, max: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryRingRead, ctx, h, mem, offset, max, deadline, signal);
}
