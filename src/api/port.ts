/**
 * Port: the typed face of a port handle. Blocking methods have a sync form
 * (the thread sleeps) and an `Async` form (the event loop runs), both with a
 * `timeout` in milliseconds; async forms also take an AbortSignal.
 *
 * ```ts
 * const port = task.createPort();
 * port.bind('/srv/echo');
 * for await (const request of port) task.reply(request);
 * ```
 */
import { EAGAIN, EBADF, EINVAL, EPERM, EPIPE, WOULD_BLOCK } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import * as ops from '../ops/object-ops.js';
import { blocking, blockingAsync } from '../ops/blocking.js';
import * as handles from '../ops/handle-ops.js';
import { enqueueMessage } from '../objects/port/send.js';
import { receiveMessage } from '../objects/port/receive.js';
import { reply } from '../objects/port/call.js';
import { bind } from '../objects/namespace/namespace.js';
import { type MessageMemory, MemoryCache, messageMemory } from '../core/copy.js';
import { MESSAGE_BYTES, MSG_TYPE_REPLY, POLICY_BIND } from '../core/layout.js';
import { check, KipcError } from './errors.js';
import { checkNamespaceResult } from './namespace.js';
import { type AsyncWaitOptions, deadlineOf, Handle, signalOf, type WaitOptions } from './handle.js';
import { batchCount, bytesArgument, describe, invalidArgument, messageArgument, optionsOf, receiveTarget, receivingInto } from './arguments.js';
import { Message } from './message.js';

export interface ReceiveOptions extends WaitOptions {
  /** Receive into this message instead of a new one. */
  into?: Message;
}
export interface AsyncReceiveOptions extends AsyncWaitOptions {
  into?: Message;
}

export class Port extends Handle implements AsyncIterable<Message> {
  /** A second handle to the same port with the same rights. Needs grant. */
  duplicate(): Port {
    return new Port(this.ctx, check(handles.duplicate(this.ctx, this.handle), 'Port.duplicate'));
  }

  /**
   * Sends `message`, waiting while the queue is full. Throws BrokenPipeError
   * if the port is gone, TimeoutError, InvalidArgumentError when `message`
   * is not a Message or an option is invalid.
   */
  send(message: Message, options?: WaitOptions): void {
    const memory = messageArgument(message, 'message', 'Port.send');
    const deadline = deadlineOf(options, 'Port.send');
    check(blocking(ops.SEND, this.ctx, this.handle, memory, 0, 0, deadline), 'Port.send');
  }

  async sendAsync(message: Message, options?: AsyncWaitOptions): Promise<void> {
    const memory = messageArgument(message, 'message', 'Port.sendAsync');
    const deadline = deadlineOf(options, 'Port.sendAsync');
    const signal = signalOf(options, 'Port.sendAsync');
    check(await blockingAsync(ops.SEND, this.ctx, this.handle, memory, 0, 0, deadline, signal), 'Port.sendAsync', signal);
  }

  /** Sends if there is room now; false when the queue is full. */
  trySend(message: Message): boolean {
    const r = enqueueMessage(this.ctx, this.handle, messageArgument(message, 'message', 'Port.trySend'), 0, false);
    if (r === WOULD_BLOCK) return false;
    check(r, 'Port.trySend');
    return true;
  }

  /**
   * Sends up to `count` messages laid out back to back in `batch` (64 bytes
   * each, e.g. from {@link Message.batch}; a Uint8Array) under one send
   * lock, waiting while the port is full. Returns how many were sent (at
   * least 1): as many as there was room for. Loop to send the rest.
   * InvalidArgumentError for a batch that is not a Uint8Array or a count
   * that is not an integer >= 1.
   */
  sendMany(batch: Uint8Array, count?: number, options?: WaitOptions): number {
    const memory = this.batchMemory(batch, 'Port.sendMany');
    const n = batchCount(count, memory, 'count', 'Port.sendMany');
    const deadline = deadlineOf(options, 'Port.sendMany');
    return check(blocking(ops.SEND_BATCH, this.ctx, this.handle, memory, 0, n, deadline), 'Port.sendMany');
  }

  async sendManyAsync(batch: Uint8Array, count?: number, options?: AsyncWaitOptions): Promise<number> {
    const memory = this.batchMemory(batch, 'Port.sendManyAsync');
    const n = batchCount(count, memory, 'count', 'Port.sendManyAsync');
    const deadline = deadlineOf(options, 'Port.sendManyAsync');
    const signal = signalOf(options, 'Port.sendManyAsync');
    return check(await blockingAsync(ops.SEND_BATCH, this.ctx, this.handle, memory, 0, n, deadline, signal), 'Port.sendManyAsync', signal);
  }

  /**
   * Receives up to `max` queued messages into `batch` (64 bytes each) under
   * one receive lock, waiting while the port is empty. Returns how many.
   */
  receiveMany(batch: Uint8Array, max?: number, options?: WaitOptions): number {
    const memory = this.batchMemory(batch, 'Port.receiveMany');
    const n = batchCount(max, memory, 'max', 'Port.receiveMany');
    const deadline = deadlineOf(options, 'Port.receiveMany');
    return check(blocking(ops.RECEIVE_MANY, this.ctx, this.handle, memory, 0, n, deadline), 'Port.receiveMany');
  }

  async receiveManyAsync(batch: Uint8Array, max?: number, options?: AsyncWaitOptions): Promise<number> {
    const memory = this.batchMemory(batch, 'Port.receiveManyAsync');
    const n = batchCount(max, memory, 'max', 'Port.receiveManyAsync');
    const deadline = deadlineOf(options, 'Port.receiveManyAsync');
    const signal = signalOf(options, 'Port.receiveManyAsync');
    return check(await blockingAsync(ops.RECEIVE_MANY, this.ctx, this.handle, memory, 0, n, deadline, signal), 'Port.receiveManyAsync', signal);
  }

  private readonly batches = new MemoryCache();

  /** The batch buffer, checked, as message memory (a loop reusing one buffer allocates nothing). */
  private batchMemory(batch: Uint8Array, operation: string): MessageMemory {
    return this.batches.of(bytesArgument(batch, 'batch', operation));
  }

  /**
   * Receives the oldest message, waiting while empty. Throws BrokenPipeError
   * once the port is destroyed, TimeoutError, InvalidArgumentError for an
   * `into` that is not a Message or is the target of a pending async receive.
   */
  receive(options?: ReceiveOptions): Message {
    const into = receiveTarget(optionsOf(options, 'Port.receive')?.into, 'Port.receive');
    const deadline = deadlineOf(options, 'Port.receive');
    check(blocking(ops.RECEIVE, this.ctx, this.handle, Message.memoryOf(into)!, 0, 0, deadline), 'Port.receive');
    return into;
  }

  async receiveAsync(options?: AsyncReceiveOptions): Promise<Message> {
    const into = receiveTarget(optionsOf(options, 'Port.receiveAsync')?.into, 'Port.receiveAsync');
    const deadline = deadlineOf(options, 'Port.receiveAsync');
    const signal = signalOf(options, 'Port.receiveAsync');
    const result = await receivingInto(into, blockingAsync(ops.RECEIVE, this.ctx, this.handle, Message.memoryOf(into)!, 0, 0, deadline, signal));
    check(result, 'Port.receiveAsync', signal);
    return into;
  }

  /** Receives if a message is queued; undefined when empty. */
  tryReceive(into?: Message): Message | undefined {
    const target = receiveTarget(into, 'Port.tryReceive');
    const r = receiveMessage(this.ctx, this.handle, Message.memoryOf(target)!, 0, false);
    if (r === -EAGAIN) return undefined;
    check(r, 'Port.tryReceive');
    return target;
  }

  /**
   * Sends `request` as a call and waits for the reply, returned in
   * `options.into` (a new message by default; pass `request` itself to reuse
   * it). Throws BrokenPipeError when the server or port died before replying.
   */
  call(request: Message, options?: ReceiveOptions): Message {
    const requestMemory = messageArgument(request, 'request', 'Port.call');
    const into = receiveTarget(optionsOf(options, 'Port.call')?.into, 'Port.call');
    const deadline = deadlineOf(options, 'Port.call');
    const memory = Message.memoryOf(into)!;
    if (memory !== requestMemory) memory.bytes.set(requestMemory.bytes);
    check(blocking(ops.CALL, this.ctx, this.handle, memory, 0, 0, deadline), 'Port.call');
    return into;
  }

  async callAsync(request: Message, options?: AsyncReceiveOptions): Promise<Message> {
    const requestMemory = messageArgument(request, 'request', 'Port.callAsync');
    const into = receiveTarget(optionsOf(options, 'Port.callAsync')?.into, 'Port.callAsync');
    const deadline = deadlineOf(options, 'Port.callAsync');
    const signal = signalOf(options, 'Port.callAsync');
    const memory = Message.memoryOf(into)!;
    if (memory !== requestMemory) memory.bytes.set(requestMemory.bytes);
    check(await receivingInto(into, blockingAsync(ops.CALL, this.ctx, this.handle, memory, 0, 0, deadline, signal)), 'Port.callAsync', signal);
    return into;
  }

  /**
   * Binds this port at `path` in the namespace. Needs read, write and grant.
   * Throws PermissionError when a right is missing or the task's namespace
   * policy allows no binding there; AlreadyExistsError when it is bound.
   */
  bind(path: string): void {
    if (typeof path !== 'string') throw invalidArgument('Port.bind', `path must be a string, not ${describe(path)}`);
    const bytes = new TextEncoder().encode(path);
    checkNamespaceResult(this.ctx, bind(this.ctx, this.handle, messageMemory(bytes), 0, bytes.length), POLICY_BIND, path, bytes, `Port.bind('${path}')`);
  }

  /**
   * Receives messages until the port is destroyed or this handle is closed.
   * A handle a message carried (`flags`) is closed when the loop moves on
   * to the next message or ends, unless the body took it with
   * {@link Message.takeHandle}: a client sending handles cannot fill this
   * task's handle table.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    for (;;) {
      const m = new Message();
      const r = await blockingAsync(ops.RECEIVE, this.ctx, this.handle, m, 0, 0, Infinity, undefined);
      if (r === -EPIPE || r === -EBADF) return;
      check(r, 'Port iteration');
      const carried = m.flags;
      try {
        yield m;
      } finally {
        this.closeUntakenHandle(m, carried);
      }
    }
  }

  /**
   * Serves calls: every received call is answered with what `handler`
   * returns (the request itself if it returns nothing); plain messages are
   * handed to it too, and what it returns is dropped. Ends when the port is
   * destroyed, this handle is closed, or `signal` aborts; a handler that
   * throws ends it too, after its caller got a status reply (the errno of a
   * KipcError, else EINVAL).
   *
   * Handles: a handle a request carried (`flags`) is closed once the
   * handler has returned or thrown (and the reply has gone, so an echoed
   * request still hands the caller a copy), unless the handler took it with
   * {@link Message.takeHandle}. With `acceptHandles: false` the handler
   * never sees one: a call carrying a handle is answered with an EPERM
   * status reply and the handle closed; a one-way message carrying one has
   * it closed and reaches the handler with `flags` 0.
   */
  async serve(
    handler: (request: Message) => Message | void | Promise<Message | void>,
    options?: { signal?: AbortSignal; acceptHandles?: boolean },
  ): Promise<void> {
    const signal = options?.signal;
    const acceptHandles = options?.acceptHandles ?? true;
    const request = new Message();
    for (;;) {
      const r = await blockingAsync(ops.RECEIVE, this.ctx, this.handle, request, 0, 0, Infinity, signal);
      if (r === -EPIPE || r === -EBADF || (signal?.aborted ?? false)) return;
      check(r, 'Port.serve');
      request.resetHandleTaken();
      const isCall = request.callToken !== 0;
      let carried = request.flags;
      if (carried !== 0 && !acceptHandles) {
        handles.close(this.ctx, carried);
        carried = 0;
        if (isCall) {
          replyStatus(this.ctx, request, EPERM);
          continue;
        }
        request.flags = 0;
      }
      let answer: Message;
      try {
        answer = (await handler(request)) ?? request;
      } catch (error) {
        // The caller must not wait for an answer that will never come.
        if (isCall) replyStatus(this.ctx, request, error instanceof KipcError ? error.errno : EINVAL);
        this.closeUntakenHandle(request, carried);
        throw error;
      }
      if (isCall) {
        if (answer !== request) answer.bytes.set(request.bytes.subarray(0, 8), 0);
        const replied = reply(this.ctx, answer, 0);
        // A reply the kernel refused (a bad handle to transfer, say) still owes the caller an answer.
        if (replied < 0 && replied !== -EPIPE) replyStatus(this.ctx, request, -replied);
      }
      this.closeUntakenHandle(request, carried);
    }
  }

  /** Closes `carried`, the handle `message` arrived with (0: none), unless someone took it. */
  private closeUntakenHandle(message: Message, carried: number): void {
    if (carried !== 0 && !message.handleTaken) handles.close(this.ctx, carried);
  }
}

/** Answers the call `request` was received as with a status reply (type 0x80, payload u32 = errno). */
function replyStatus(ctx: TaskContext, request: Message, errno: number): void {
  const status = new Message();
  status.bytes.set(request.bytes.subarray(0, 8), 0);
  status.type = MSG_TYPE_REPLY;
  status.status = errno;
  reply(ctx, status, 0);
}
