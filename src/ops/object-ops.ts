/**
 * The blocking ops of ports, channels, semaphores and rings, each defined
 * once for both drivers of src/ops/blocking.ts:
 * `blocking(SEND, ctx, h, mem, offset, 0, deadline)` sleeps the thread,
 * `blockingAsync(SEND, ..., deadline, signal)` leaves the event loop free.
 * The `n` argument is given with each op. Nothing here knows syscall
 * numbers: the syscall tables and the typed API both run these.
 */
import type { BlockingOp } from './blocking.js';
import { enqueueBatch, enqueueMessage } from '../objects/port/send.js';
import { receiveBatch, receiveMessage } from '../objects/port/receive.js';
import { cancelCall, takeReply } from '../objects/port/call.js';
import { readyEvents } from './handle-ops.js';
import { channelReceive, channelReceiveMany, channelSend, channelSendMany } from '../objects/channel/channel.js';
import { semaphoreTake } from '../objects/semaphore/semaphore.js';
import { ringRead, ringWrite } from '../objects/ring/stream.js';

/** IPC_SEND, blocking while the port is full (n: 0). 0 or -errno. */
export const SEND: BlockingOp = { attempt: (ctx, h, mem, offset) => enqueueMessage(ctx, h, mem, offset, false) };

/** Sends up to `n` messages, blocking while the port is full; how many went (>= 1), or -errno. */
export const SEND_BATCH: BlockingOp = { attempt: (ctx, h, mem, offset, n) => enqueueBatch(ctx, h, mem, offset, n) };

/** IPC_RECV, blocking while the port is empty (n: 0). 0 or -errno. */
export const RECEIVE: BlockingOp = { attempt: (ctx, h, mem, offset) => receiveMessage(ctx, h, mem, offset, true) };

/** Receives up to `n` messages, blocking while the port is empty; how many (>= 1), or -errno. */
export const RECEIVE_MANY: BlockingOp = { attempt: (ctx, h, mem, offset, n) => receiveBatch(ctx, h, mem, offset, n, true) };

/** HANDLE_WAIT (mem: NO_MEMORY, n: the interest): the ready events of `h`, waiting for one. */
export const WAIT_HANDLE: BlockingOp = { attempt: (ctx, h, _mem, _offset, interest) => readyEvents(ctx, h, false, interest) };

/**
 * IPC_CALL (n: 0): sends the message as a call, then waits for its reply,
 * which overwrites the message. 0 when answered; -EPIPE (with an error
 * reply written) when the server or port died; -ETIMEDOUT / -EINTR when the
 * caller gave up, in which case a still-queued call is withdrawn and a
 * received one is abandoned (the server's reply is dropped).
 */
export const CALL: BlockingOp = {
  attempt: (ctx, h, mem, offset) => enqueueMessage(ctx, h, mem, offset, true),
  then: { attempt: (ctx, cs, mem, offset) => takeReply(ctx, cs, mem, offset), cancel: cancelCall },
};

/** CHAN_SEND (n: the length on a bytes channel), blocking while the channel is full. 0 or -errno. */
export const CHANNEL_SEND: BlockingOp = { attempt: (ctx, h, mem, offset, length) => channelSend(ctx, h, mem, offset, length) };

/** CHAN_RECV (n: 0), blocking while the channel is empty. 0 (IpcMessage) or the length (bytes), or -errno. */
export const CHANNEL_RECEIVE: BlockingOp = { attempt: (ctx, h, mem, offset) => channelReceive(ctx, h, mem, offset, true) };

/** Sends up to `n` IpcMessages on a message channel, blocking while it is full; how many went (>= 1), or -errno. */
export const CHANNEL_SEND_MANY: BlockingOp = { attempt: (ctx, h, mem, offset, n) => channelSendMany(ctx, h, mem, offset, n) };

/** Receives up to `n` IpcMessages of a message channel, blocking while it is empty; how many (>= 1), or -errno. */
export const CHANNEL_RECEIVE_MANY: BlockingOp = { attempt: (ctx, h, mem, offset, n) => channelReceiveMany(ctx, h, mem, offset, n, true) };

/** SEM_WAIT (mem: NO_MEMORY, n: 0): takes one from the count, blocking while it is 0. 0 or -errno. */
export const SEMAPHORE_WAIT: BlockingOp = { attempt: (ctx, h) => semaphoreTake(ctx, h, true) };

/** Writes `n` bytes to a ring's stream in one piece, blocking while there is no room for all. How many, or -errno. */
export const RING_WRITE_WHOLE: BlockingOp = { attempt: (ctx, h, mem, offset, n) => ringWrite(ctx, h, mem.bytes, offset, n, true, true) };

/** Writes as many of `n` bytes as fit in a ring's stream, blocking while there is no room at all. How many, or -errno. */
export const RING_WRITE_SOME: BlockingOp = { attempt: (ctx, h, mem, offset, n) => ringWrite(ctx, h, mem.bytes, offset, n, false, true) };

/** Reads up to `n` bytes of a ring's stream, blocking while it is empty. How many (0 at its end), or -errno. */
export const RING_READ: BlockingOp = { attempt: (ctx, h, mem, offset, n) => ringRead(ctx, h, mem.bytes, offset, n, true) };
