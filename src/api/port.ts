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
import { EAGAIN, EBADF, EINVAL, EPERM, EPIPE, WOULD_BLOCK } from '../kernel/errno.js';
import type { TaskContext } from '../kernel/context.js';
import * as ops from '../kernel/ops.js';
import * as handles from '../kernel/handle-ops.js';
import { enqueueMessage } from '../objects/port-send.js';
import { receiveMessage } from '../objects/port-receive.js';
import { reply } from '../objects/call.js';
import { bind } from '../objects/namespace.js';
import { type MessageMemory, MemoryCache, messageMemory } from '../kernel/copy.js';
import { MESSAGE_BYTES, MSG_TYPE_REPLY, POLICY_BIND } from '../kernel/layout.js';
import { check, KipcError } from './errors.js';
import { checkNamespaceResult } from './namespace.js';
import { type AsyncWaitOptions, deadlineOf, Handle, type WaitOptions } from './handle.js';
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

  /** Sends `message`, waiting while the queue is full. Throws BrokenPipeError if the port is gone. */
  send(message: Message, options?: WaitOptions): void {
    check(ops.send(this.ctx, this.handle, message, 0, deadlineOf(options)), 'Port.send');
  }

  async sendAsync(message: Message, options?: AsyncWaitOptions): Promise<void> {
    const signal = options?.signal;
    check(await ops.sendAsync(this.ctx, this.handle, message, 0, deadlineOf(options), signal), 'Port.sendAsync', signal);
  }

  /** Sends if there is room now; false when the queue is full. */
  trySend(message: Message): boolean {
    const r = enqueueMessage(this.ctx, this.handle, message, 0, false);
    if (r === WOULD_BLOCK) return false;
    check(r, 'Port.trySend');
    return true;
  }

  /**
   * Sends up to `count` messages laid out back to back in `batch` (64 bytes
   * each, e.g. from {@link Message.batch}) under one send lock, waiting
   * while the port is full. Returns how many were sent (at least 1): as many
   * as there was room for. Loop to send the rest.
   */
  sendMany(batch: Uint8Array, count = Math.floor(batch.length / MESSAGE_BYTES), options?: WaitOptions): number {
    return check(ops.sendBatch(this.ctx, this.handle, this.batchMemory(batch), 0, count, deadlineOf(options)), 'Port.sendMany');
  }

  async sendManyAsync(batch: Uint8Array, count = Math.floor(batch.length / MESSAGE_BYTES), options?: AsyncWaitOptions): Promise<number> {
    const signal = options?.signal;
    const memory = this.batchMemory(batch);
    return check(await ops.sendBatchAsync(this.ctx, this.handle, memory, 0, count, deadlineOf(options), signal), 'Port.sendManyAsync', signal);
  }

  /**
   * Receives up to `max` queued messages into `batch` (64 bytes each) under
   * one receive lock, waiting while the port is empty. Returns how many.
   */
  receiveMany(batch: Uint8Array, max = Math.floor(batch.length / MESSAGE_BYTES), options?: WaitOptions): number {
    return check(ops.receiveMany(this.ctx, this.handle, this.batchMemory(batch), 0, max, deadlineOf(options)), 'Port.receiveMany');
  }

  async receiveManyAsync(batch: Uint8Array, max = Math.floor(batch.length / MESSAGE_BYTES), options?: AsyncWaitOptions): Promise<number> {
    const signal = options?.signal;
    const memory = this.batchMemory(batch);
    return check(await ops.receiveManyAsync(this.ctx, this.handle, memory, 0, max, deadlineOf(options), signal), 'Port.receiveManyAsync', signal);
  }

  private readonly batches = new MemoryCache();

  /** The batch buffer as message memory (a loop reusing one buffer allocates nothing). */
  private batchMemory(batch: Uint8Array): MessageMemory {
    return this.batches.of(batch);
  }

  /** Receives the oldest message, waiting while empty. Throws BrokenPipeError once the port is destroyed. */
  receive(options?: ReceiveOptions): Message {
    const into = options?.into ?? new Message();
    check(ops.receive(this.ctx, this.handle, into, 0, deadlineOf(options)), 'Port.receive');
    return into;
  }

  async receiveAsync(options?: AsyncReceiveOptions): Promise<Message> {
    const into = options?.into ?? new Message();
    const signal = options?.signal;
    check(await ops.receiveAsync(this.ctx, this.handle, into, 0, deadlineOf(options), signal), 'Port.receiveAsync', signal);
    return into;
  }

  /** Receives if a message is queued; undefined when empty. */
  tryReceive(into: Message = new Message()): Message | undefined {
    const r = receiveMessage(this.ctx, this.handle, into, 0, false);
    if (r === -EAGAIN) return undefined;
    check(r, 'Port.tryReceive');
    return into;
  }

  /**
   * Sends `request` as a call and waits for the reply, returned in
   * `options.into` (a new message by default; pass `request` itself to reuse
   * it). Throws BrokenPipeError when the server or port died before replying.
   */
  call(request: Message, options?: ReceiveOptions): Message {
    const into = options?.into ?? new Message();
    if (into !== request) into.bytes.set(request.bytes);
    check(ops.call(this.ctx, this.handle, into, 0, deadlineOf(options)), 'Port.call');
    return into;
  }

  async callAsync(request: Message, options?: AsyncReceiveOptions): Promise<Message> {
    const into = options?.into ?? new Message();
    if (into !== request) into.bytes.set(request.bytes);
    const signal = options?.signal;
    check(await ops.callAsync(this.ctx, this.handle, into, 0, deadlineOf(options), signal), 'Port.callAsync', signal);
    return into;
  }

  /**
   * Binds this port at `path` in the namespace. Needs read, write and grant.
   * Throws PermissionError when a right is missing or the task's namespace
   * policy allows no binding there; AlreadyExistsError when it is bound.
   */
  bind(path: string): void {
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
      const r = await ops.receiveAsync(this.ctx, this.handle, m, 0, Infinity);
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
      const r = await ops.receiveAsync(this.ctx, this.handle, request, 0, Infinity, signal);
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
