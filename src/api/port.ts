/**
 * Port: the typed face of a port handle. Blocking methods have a sync form
 * (the thread sleeps) and an `Async` form (the event loop runs), both with a
 * `timeout` in milliseconds; async forms also take an AbortSignal.
 *
 * Values of any type and size travel too: `port.send(value)` and
 * `port.call(value)` encode them with a codec (msgpack by default), inline
 * up to 48 bytes and in a buffer moved with the message beyond; a served
 * handler's return value is the reply, and what it throws reaches the
 * caller as a RemoteError.
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
import { type Codec, type CodecOption, builtinCodecOfTag, codecOf } from './codec.js';
import { settleValue, writeThrown, writeValue } from './value.js';
import { errorFor } from './errors.js';
import { OBJ_BUFFER, VALUE_CODEC_SHIFT } from '../core/layout.js';

export interface ReceiveOptions extends WaitOptions {
  /** Receive into this message instead of a new one. */
  into?: Message;
}
export interface AsyncReceiveOptions extends AsyncWaitOptions {
  into?: Message;
}

/** Options of a value send or call: the codec (default 'msgpack'; the receiver must use the same). */
export interface ValueOptions<T = unknown> extends WaitOptions {
  codec?: CodecOption<T>;
}
export interface AsyncValueOptions<T = unknown> extends AsyncWaitOptions {
  codec?: CodecOption<T>;
}

/** Options of {@link Port.serve}. */
export interface ServeOptions {
  /** Stops serving (after the request in hand is answered). */
  signal?: AbortSignal;
  /** false: requests carrying a handle are refused (calls get EPERM) and their handle closed. Default true. */
  acceptHandles?: boolean;
  /** The codec of value replies when requests use a codec of your own (built-in ones are found from the request). */
  codec?: Codec<unknown>;
  /**
   * Hears what the handler threw for a one-way message, which has nobody
   * to answer. Without it, that is a 'KipcWarning' process warning. (What
   * it throws for a call goes back to the caller.)
   */
  onError?: (error: unknown, request: Message) => void;
}

export class Port extends Handle implements AsyncIterable<Message> {
  /** A second handle to the same port with the same rights. Needs grant. */
  duplicate(): Port {
    return new Port(this.ctx, check(handles.duplicate(this.ctx, this.handle), 'Port.duplicate'));
  }

  /**
   * Sends `message` (a Message), or any other value encoded with
   * `options.codec` (msgpack by default; a receiver reads it with
   * `message.value()`), waiting while the queue is full. Throws
   * BrokenPipeError if the port is gone, TimeoutError, InvalidArgumentError
   * when an option is invalid or the codec cannot encode the value, and
   * OutOfMemoryError or QuotaExceededError when a value's buffer (beyond 48
   * bytes) cannot be made. Nothing is sent when it throws.
   */
  send(message: Message, options?: WaitOptions): void;
  send<T>(value: T, options?: ValueOptions<T>): void;
  send(value: unknown, options?: ValueOptions<unknown>): void {
    const deadline = deadlineOf(options, 'Port.send');
    const memory = this.outgoing(value, options?.codec, this.scratch, 'Port.send');
    const r = blocking(ops.SEND, this.ctx, this.handle, memory, 0, 0, deadline);
    if (r < 0) this.releaseUnsent(value, memory);
    check(r, 'Port.send');
  }

  sendAsync(message: Message, options?: AsyncWaitOptions): Promise<void>;
  sendAsync<T>(value: T, options?: AsyncValueOptions<T>): Promise<void>;
  async sendAsync(value: unknown, options?: AsyncValueOptions<unknown>): Promise<void> {
    const deadline = deadlineOf(options, 'Port.sendAsync');
    const signal = signalOf(options, 'Port.sendAsync');
    const memory = this.outgoing(value, options?.codec, undefined, 'Port.sendAsync');
    const r = await blockingAsync(ops.SEND, this.ctx, this.handle, memory, 0, 0, deadline, signal);
    if (r < 0) this.releaseUnsent(value, memory);
    check(r, 'Port.sendAsync', signal);
  }

  /** The message sync value sends and calls are written into (they finish before anything else runs). */
  private readonly scratch = new Message();
  /** Where {@link answer} writes a value reply, made at the first. */
  private answers: Message | undefined;

  /** Sends `message` (or a value, as {@link send}) if there is room now; false when the queue is full. */
  trySend(message: Message): boolean;
  trySend<T>(value: T, options?: { codec?: CodecOption<T> }): boolean;
  trySend(value: unknown, options?: { codec?: CodecOption<unknown> }): boolean {
    const memory = this.outgoing(value, optionsOf(options, 'Port.trySend')?.codec, this.scratch, 'Port.trySend');
    const r = enqueueMessage(this.ctx, this.handle, memory, 0, false);
    if (r < 0) this.releaseUnsent(value, memory);
    if (r === WOULD_BLOCK) return false;
    check(r, 'Port.trySend');
    return true;
  }

  /**
   * What a send puts in the queue: `value` itself when it is a Message,
   * else `into` (a new message when undefined) with the value written in,
   * its buffer's handle, if any, in `flags`. Throws as writeValue does.
   */
  private outgoing(value: unknown, codec: CodecOption<unknown> | undefined, into: Message | undefined, operation: string): MessageMemory {
    if (Message.memoryOf(value) !== undefined) return messageArgument(value, 'message', operation);
    const message = into ?? new Message();
    writeValue(this.ctx, message, value, codecOf(codec, operation), false, operation);
    return Message.memoryOf(message)!;
  }

  /** After a send of `value` from `memory` failed: the buffer a value was put in goes (a Message's own handle stays the caller's). */
  private releaseUnsent(value: unknown, memory: MessageMemory): void {
    if (Message.memoryOf(value) === undefined) dropUnsent(this.ctx, Message.ofMemory(memory).flags);
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
    settleValue(this.ctx, into);
    return into;
  }

  async receiveAsync(options?: AsyncReceiveOptions): Promise<Message> {
    const into = receiveTarget(optionsOf(options, 'Port.receiveAsync')?.into, 'Port.receiveAsync');
    const deadline = deadlineOf(options, 'Port.receiveAsync');
    const signal = signalOf(options, 'Port.receiveAsync');
    const result = await receivingInto(into, blockingAsync(ops.RECEIVE, this.ctx, this.handle, Message.memoryOf(into)!, 0, 0, deadline, signal));
    check(result, 'Port.receiveAsync', signal);
    settleValue(this.ctx, into);
    return into;
  }

  /** Receives if a message is queued; undefined when empty. */
  tryReceive(into?: Message): Message | undefined {
    const target = receiveTarget(into, 'Port.tryReceive');
    const r = receiveMessage(this.ctx, this.handle, Message.memoryOf(target)!, 0, false);
    if (r === -EAGAIN) return undefined;
    check(r, 'Port.tryReceive');
    settleValue(this.ctx, target);
    return target;
  }

  /**
   * Sends `request` as a call and waits for the reply, returned in
   * `options.into` (a new message by default; pass `request` itself to reuse
   * it). Throws BrokenPipeError when the server or port died before replying.
   *
   * With any other value than a Message, the value is encoded with
   * `options.codec` (msgpack by default) and the reply's value is returned:
   * a RemoteError when the handler threw, the error of a status reply (a
   * server refusing the call), CodecMismatchError when the server answered
   * with another codec. A reply that is a plain message is returned as the
   * Message.
   */
  call(request: Message, options?: ReceiveOptions): Message;
  call<R = unknown, T = unknown>(value: T, options?: ValueOptions<T>): R;
  call(value: unknown, options?: ReceiveOptions & ValueOptions<unknown>): unknown {
    if (Message.memoryOf(value) === undefined) return this.callValue(value, options);
    const requestMemory = messageArgument(value, 'request', 'Port.call');
    const into = receiveTarget(optionsOf(options, 'Port.call')?.into, 'Port.call');
    const deadline = deadlineOf(options, 'Port.call');
    const memory = Message.memoryOf(into)!;
    if (memory !== requestMemory) memory.bytes.set(requestMemory.bytes);
    check(blocking(ops.CALL, this.ctx, this.handle, memory, 0, 0, deadline), 'Port.call');
    settleValue(this.ctx, into);
    return into;
  }

  callAsync(request: Message, options?: AsyncReceiveOptions): Promise<Message>;
  callAsync<R = unknown, T = unknown>(value: T, options?: AsyncValueOptions<T>): Promise<R>;
  async callAsync(value: unknown, options?: AsyncReceiveOptions & AsyncValueOptions<unknown>): Promise<unknown> {
    if (Message.memoryOf(value) === undefined) return this.callValueAsync(value, options);
    const requestMemory = messageArgument(value, 'request', 'Port.callAsync');
    const into = receiveTarget(optionsOf(options, 'Port.callAsync')?.into, 'Port.callAsync');
    const deadline = deadlineOf(options, 'Port.callAsync');
    const signal = signalOf(options, 'Port.callAsync');
    const memory = Message.memoryOf(into)!;
    if (memory !== requestMemory) memory.bytes.set(requestMemory.bytes);
    check(await receivingInto(into, blockingAsync(ops.CALL, this.ctx, this.handle, memory, 0, 0, deadline, signal)), 'Port.callAsync', signal);
    settleValue(this.ctx, into);
    return into;
  }

  private callValue(value: unknown, options: ValueOptions<unknown> | undefined): unknown {
    const operation = 'Port.call';
    const deadline = deadlineOf(options, operation);
    const codec = codecOf(optionsOf(options, operation)?.codec, operation);
    const m = this.scratch;
    const buffer = writeValue(this.ctx, m, value, codec, false, operation);
    const r = blocking(ops.CALL, this.ctx, this.handle, Message.memoryOf(m)!, 0, 0, deadline);
    if (r < 0) dropUnsent(this.ctx, buffer);
    check(r, operation);
    settleValue(this.ctx, m);
    return replyValue(m, codec, operation);
  }

  private async callValueAsync(value: unknown, options: AsyncValueOptions<unknown> | undefined): Promise<unknown> {
    const operation = 'Port.callAsync';
    const deadline = deadlineOf(options, operation);
    const signal = signalOf(options, operation);
    const codec = codecOf(optionsOf(options, operation)?.codec, operation);
    const m = new Message();
    const buffer = writeValue(this.ctx, m, value, codec, false, operation);
    const r = await blockingAsync(ops.CALL, this.ctx, this.handle, Message.memoryOf(m)!, 0, 0, deadline, signal);
    if (r < 0) dropUnsent(this.ctx, buffer);
    check(r, operation, signal);
    settleValue(this.ctx, m);
    return replyValue(m, codec, operation);
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
      settleValue(this.ctx, m);
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
   * returns; plain messages are handed to it too, and what it returns is
   * dropped. Ends when the port is destroyed, this handle is closed, or
   * `signal` aborts. A handler that throws never ends it: the caller of a
   * call gets the error, and `onError` hears of a one-way message's.
   *
   * A call that carries a value (`port.call(value)`) is answered with the
   * handler's return value (a Message is sent as it is), encoded with the
   * request's codec; what the handler throws reaches the caller as a
   * RemoteError. A call of a plain Message is answered with the Message
   * the handler returns (the request itself if it returns nothing), and a
   * throw becomes a status reply (the errno of a KipcError, else EINVAL).
   *
   * Handles: a handle a request carried (`flags`) is closed once the
   * handler has returned or thrown (and the reply has gone, so an echoed
   * request still hands the caller a copy), unless the handler took it with
   * {@link Message.takeHandle}. With `acceptHandles: false` the handler
   * never sees one: a call carrying a handle is answered with an EPERM
   * status reply and the handle closed; a one-way message carrying one has
   * it closed and reaches the handler with `flags` 0.
   */
  async serve(handler: (request: Message) => unknown, options?: ServeOptions): Promise<void> {
    const signal = options?.signal;
    const acceptHandles = options?.acceptHandles ?? true;
    const request = new Message();
    for (;;) {
      const r = await blockingAsync(ops.RECEIVE, this.ctx, this.handle, request, 0, 0, Infinity, signal);
      if (r === -EPIPE || r === -EBADF || (signal?.aborted ?? false)) return;
      check(r, 'Port.serve');
      settleValue(this.ctx, request);
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
      if (isCall) {
        const answering = this.answer(request, () => handler(request), options?.codec);
        if (answering !== undefined) await answering;
      } else {
        try {
          await handler(request);
        } catch (error) {
          reportOneWayError(options?.onError, error, request);
        }
      }
      this.closeUntakenHandle(request, carried);
    }
  }

  /**
   * @internal Answers the call `request` with what `produce` returns (or
   * throws), as {@link serve} does: a value call with the value (a throw as
   * a RemoteError for the caller), a Message call with the Message (the
   * request when it returns nothing) or a status reply for a throw.
   * `into` is the message a value reply is written into (by default one
   * this port keeps: a reply is written and sent in one go).
   */
  answer(request: Message, produce: () => unknown, own: Codec<unknown> | undefined, into = (this.answers ??= new Message())): Promise<void> | undefined {
    let answer: unknown;
    try {
      answer = produce();
    } catch (error) {
      this.sendAnswer(request, into, error, true, own);
      return undefined;
    }
    // A handler that answers at once is answered at once: the reply goes before this task turns to its next receive.
    if (!isThenable(answer)) {
      this.sendAnswer(request, into, answer, false, own);
      return undefined;
    }
    return Promise.resolve(answer).then(
      (value) => this.sendAnswer(request, into, value, false, own),
      (error: unknown) => this.sendAnswer(request, into, error, true, own),
    );
  }

  /** Sends the answer to `request`: what the handler gave, or threw when `failed` (see {@link answer}). */
  private sendAnswer(request: Message, into: Message, answer: unknown, failed: boolean, own: Codec<unknown> | undefined): void {
    if (request.isValue) {
      this.replyValue(request, into, answer, failed, own);
    } else if (failed) {
      replyStatus(this.ctx, request, answer instanceof KipcError ? answer.errno : EINVAL);
    } else {
      const message = Message.memoryOf(answer) === undefined ? request : (answer as Message);
      if (message !== request) message.bytes.set(request.bytes.subarray(0, 8), 0);
      const replied = reply(this.ctx, message, 0);
      // A reply the kernel refused (a bad handle to transfer, say) still owes the caller an answer.
      if (replied < 0 && replied !== -EPIPE) replyStatus(this.ctx, request, -replied);
    }
  }

  /**
   * @internal The next request for a service that takes no handles (expose):
   * received into `into` (a new Message by default), its value settled and
   * any handle it carried closed; undefined once the port is destroyed,
   * this handle closed, or `signal` aborted.
   */
  async receiveForService(signal: AbortSignal, into?: Message): Promise<Message | undefined> {
    const request = into ?? new Message();
    const r = await blockingAsync(ops.RECEIVE, this.ctx, this.handle, request, 0, 0, Infinity, signal);
    if (r === -EPIPE || r === -EBADF || signal.aborted) return undefined;
    check(r, 'expose');
    settleValue(this.ctx, request);
    if (request.flags !== 0) {
      handles.close(this.ctx, request.flags);
      request.flags = 0;
    }
    return request;
  }

  /**
   * Answers the value call `request` with `answer` (what the handler
   * returned, or threw when `thrown`), written into `into`: a Message is
   * sent as it is; a value is encoded with the request's codec (`codec` for
   * one of the server's own). A value that cannot be encoded or get its
   * buffer is answered with that error instead, and if even that fails,
   * with a status reply.
   */
  private replyValue(request: Message, into: Message, answer: unknown, thrown: boolean, own: Codec<unknown> | undefined): void {
    if (!thrown && Message.memoryOf(answer) !== undefined) {
      const message = answer as Message;
      message.bytes.set(request.bytes.subarray(0, 8), 0);
      const replied = reply(this.ctx, message, 0);
      if (replied < 0 && replied !== -EPIPE) replyStatus(this.ctx, request, -replied);
      return;
    }
    const codec = own ?? builtinCodecOfTag<unknown>((request.type >>> VALUE_CODEC_SHIFT) & 0xff) ?? codecOf(undefined, 'Port.serve');
    into.bytes.set(request.bytes.subarray(0, 8), 0);
    let buffer: number;
    try {
      buffer = thrown ? writeThrown(this.ctx, into, answer, codec, 'Port.serve') : writeValue(this.ctx, into, answer, codec, false, 'Port.serve');
    } catch (error) {
      try {
        buffer = writeThrown(this.ctx, into, error, codec, 'Port.serve');
      } catch (last) {
        replyStatus(this.ctx, request, last instanceof KipcError ? last.errno : EINVAL);
        return;
      }
    }
    const replied = reply(this.ctx, into, 0);
    if (replied < 0) dropUnsent(this.ctx, buffer);
    if (replied < 0 && replied !== -EPIPE) replyStatus(this.ctx, request, -replied);
  }

  /** Closes `carried`, the handle `message` arrived with (0: none), unless someone took it. */
  private closeUntakenHandle(message: Message, carried: number): void {
    if (carried !== 0 && !message.handleTaken) handles.close(this.ctx, carried);
  }
}

/**
 * The value of the reply `m` to a value call made with `codec`: its value
 * (a RemoteError thrown for a handler's throw), the error of a status
 * reply, or the Message itself when it carries no value.
 */
function replyValue(m: Message, codec: Codec<unknown>, operation: string): unknown {
  if (m.isValue) return m.value(codec);
  if (m.isReply && m.status !== 0) throw errorFor(m.status, operation);
  return m;
}

/**
 * Closes the buffer a value was put in when its message did not go (a sent
 * one moved the handle away with it). Only a buffer handle is closed: a
 * call that failed after its request was queued finds the handle gone.
 */
function dropUnsent(ctx: TaskContext, buffer: number): void {
  if (buffer !== 0) handles.closeTyped(ctx, buffer, OBJ_BUFFER);
}

/** Whether `value` is a promise or another thenable (its `then` is read once, as `await` would). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** A one-way message's handler threw: `onError` hears of it, else a process warning says so. */
function reportOneWayError(onError: ServeOptions['onError'], error: unknown, request: Message): void {
  if (onError) {
    onError(error, request);
    return;
  }
  const runtime = (globalThis as { process?: { emitWarning?: (message: string, type: string) => void } }).process;
  runtime?.emitWarning?.(`kipc: Port.serve's handler threw for a one-way message (type 0x${request.type.toString(16)}) from task ${request.sender}: ${String((error as Error)?.message ?? error)}`, 'KipcWarning');
}

/** Answers the call `request` was received as with a status reply (type 0x80, payload u32 = errno). */
function replyStatus(ctx: TaskContext, request: Message, errno: number): void {
  const status = new Message();
  status.bytes.set(request.bytes.subarray(0, 8), 0);
  status.type = MSG_TYPE_REPLY;
  status.status = errno;
  reply(ctx, status, 0);
}
