/**
 * Channels through the typed API: a sender end and a receiver end of a
 * bounded MPMC channel (Strat9's `channel<T>`), each a handle that can be
 * granted to other tasks, duplicated and closed. When the last sender end
 * closes, receivers drain what is queued and then see the channel end
 * (BrokenPipeError, or the end of a `for await`); when the last receiver
 * end closes, senders get BrokenPipeError and their value is not sent.
 *
 * A channel carries one of three kinds of value, fixed at creation:
 * - 64-byte IpcMessages ({@link Message}), the default;
 * - byte strings (Uint8Array) of up to `maxBytes`, copied straight into the
 *   kernel region's slot;
 * - values of any type through a {@link Codec} ('msgpack', 'structured',
 *   'json' or your own), encoded to at most `maxBytes` bytes. The channel
 *   records its codec: an end wrapped later ({@link Task.channelReceiver})
 *   decodes with it, or is refused with CodecMismatchError when given
 *   another.
 *
 * ```ts
 * const { sender, receiver } = task.createChannel({ maxBytes: 4096, codec: 'msgpack' });
 * sender.send({ id: 1, tags: new Set(['a']) });
 * for await (const value of receiver) console.log(value);
 * ```
 */
import { EAGAIN, EBADF, EINVAL, EPIPE, WOULD_BLOCK } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import { type MessageMemory, MemoryCache, messageMemory } from '../core/copy.js';
import * as ops from '../ops/object-ops.js';
import { blocking, blockingAsync } from '../ops/blocking.js';
import * as handles from '../ops/handle-ops.js';
import { MESSAGE_BYTES, RIGHT_GRANT, RIGHT_READ, RIGHT_WRITE } from '../core/layout.js';
import { type ChannelShape, channelReceive, channelSend, channelShape, createChannel } from '../objects/channel/channel.js';
import { check, InvalidArgumentError } from './errors.js';
import { type AsyncWaitOptions, deadlineOf, Handle, signalOf, type WaitOptions } from './handle.js';
import { batchCount, bytesArgument, invalidArgument, messageArgument, optionsOf, receiveTarget, receivingInto } from './arguments.js';
import { Message } from './message.js';
import { builtinCodecOfTag, type Codec, type CodecOption, codecMismatch, codecOf, codecTag, CODEC_NONE } from './codec.js';

/**
 * How values of type T travel: as a 64-byte message, or as bytes (through a
 * codec for anything but Uint8Array). Shared by the ends of one channel a
 * task holds (its buffers are reused between calls; ops never overlap).
 */
export interface ChannelFormat<T> {
  /** 0 for a message channel, else the largest encoded value in bytes. */
  readonly maxBytes: number;
  /**
   * The value as kernel input (from offset 0); its length is then in
   * `encodedLength`. Throws InvalidArgumentError for a value of the wrong
   * kind (not a Message, not a Uint8Array, a codec's output not a
   * Uint8Array) or too large. Allocates nothing for messages and byte strings.
   */
  encode(value: T, operation: string): MessageMemory;
  encodedLength: number;
  /**
   * Memory to receive into: reused by sync receives, which decode before
   * anything else runs; `fresh` for async ones, which decode only after
   * other code may have received into the shared buffer.
   */
  receiveMemory(into: T | undefined, fresh: boolean, operation: string): MessageMemory;
  /** Awaits the async receive `pending` into `memory`, with a Message target marked busy until it settles. */
  receiving(memory: MessageMemory, pending: Promise<number>): Promise<number>;
  /** The value received: `length` bytes (or a message) in `memory`. */
  decode(memory: MessageMemory, length: number): T;
}

/** IpcMessages: the Message's own memory is the kernel's input and output. */
function messageFormat(): ChannelFormat<Message> {
  return {
    maxBytes: 0,
    encode: (message, operation) => messageArgument(message, 'value', operation),
    encodedLength: MESSAGE_BYTES,
    receiveMemory: (into, _fresh, operation) => Message.memoryOf(receiveTarget(into, operation))!,
    decode: (memory) => Message.ofMemory(memory),
    receiving: (memory, pending) => receivingInto(Message.ofMemory(memory), pending),
  };
}

/** Byte strings of up to `maxBytes`, or values through `codec`. */
function bytesFormat<T = Uint8Array>(maxBytes: number, codec?: Codec<T>): ChannelFormat<T> {
  const scratch = messageMemory(new Uint8Array(maxBytes));
  const inputs = new MemoryCache();
  return {
    maxBytes,
    encodedLength: 0,
    encode(value, operation) {
      // The codec (the caller's code) runs here, before any lock.
      const bytes = bytesArgument(codec ? codec.encode(value) : value, codec ? 'the encoded value' : 'value', operation);
      const memory = inputs.of(bytes);
      const length = memory.bytes.length;
      if (length > maxBytes) {
        throw invalidArgument(operation, `the value is ${length} bytes, more than this channel's maximum of ${maxBytes}; nothing was sent`);
      }
      this.encodedLength = length;
      return memory;
    },
    receiveMemory: (into, fresh, operation) => {
      if (into !== undefined) throw invalidArgument(operation, 'into is for message channels; a bytes or value channel returns a new value');
      return fresh ? messageMemory(new Uint8Array(maxBytes)) : scratch;
    },
    receiving: (_memory, pending) => pending,
    decode(memory, length) {
      const bytes = memory.bytes.subarray(0, length);
      return codec ? codec.decode(bytes) : (bytes.slice() as unknown as T);
    },
  };
}

/** The sending end of a channel. */
export class ChannelSender<T> extends Handle {
  constructor(
    ctx: TaskContext,
    handle: number,
    private readonly format: ChannelFormat<T>,
  ) {
    super(ctx, handle);
  }

  /** Another sender end (a new handle with the same rights). Needs grant. */
  duplicate(): ChannelSender<T> {
    return new ChannelSender(this.ctx, check(handles.duplicate(this.ctx, this.handle), 'ChannelSender.duplicate'), this.format);
  }

  /** Sends `value`, waiting while the channel is full. Throws BrokenPipeError once no receiver is left. */
  send(value: T, options?: WaitOptions): void {
    const memory = this.format.encode(value, 'ChannelSender.send');
    const length = this.format.encodedLength;
    const deadline = deadlineOf(options, 'ChannelSender.send');
    check(blocking(ops.CHANNEL_SEND, this.ctx, this.handle, memory, 0, length, deadline), 'ChannelSender.send');
  }

  async sendAsync(value: T, options?: AsyncWaitOptions): Promise<void> {
    const memory = this.format.encode(value, 'ChannelSender.sendAsync');
    const length = this.format.encodedLength;
    const deadline = deadlineOf(options, 'ChannelSender.sendAsync');
    const signal = signalOf(options, 'ChannelSender.sendAsync');
    check(await blockingAsync(ops.CHANNEL_SEND, this.ctx, this.handle, memory, 0, length, deadline, signal), 'ChannelSender.sendAsync', signal);
  }

  /**
   * Message channels: sends up to `count` messages laid out back to back in
   * `batch` (64 bytes each, e.g. from {@link Message.batch}; a Uint8Array)
   * under one send lock, waiting while the channel is full. Returns how many
   * were sent (at least 1). Loop to send the rest.
   */
  sendMany(batch: Uint8Array, count?: number, options?: WaitOptions): number {
    const memory = this.batches.of(bytesArgument(batch, 'batch', 'ChannelSender.sendMany'));
    const n = batchCount(count, memory, 'count', 'ChannelSender.sendMany');
    const deadline = deadlineOf(options, 'ChannelSender.sendMany');
    return check(blocking(ops.CHANNEL_SEND_MANY, this.ctx, this.handle, memory, 0, n, deadline), 'ChannelSender.sendMany');
  }

  async sendManyAsync(batch: Uint8Array, count?: number, options?: AsyncWaitOptions): Promise<number> {
    const memory = this.batches.of(bytesArgument(batch, 'batch', 'ChannelSender.sendManyAsync'));
    const n = batchCount(count, memory, 'count', 'ChannelSender.sendManyAsync');
    const deadline = deadlineOf(options, 'ChannelSender.sendManyAsync');
    const signal = signalOf(options, 'ChannelSender.sendManyAsync');
    return check(await blockingAsync(ops.CHANNEL_SEND_MANY, this.ctx, this.handle, memory, 0, n, deadline, signal), 'ChannelSender.sendManyAsync', signal);
  }

  private readonly batches = new MemoryCache();

  /** Sends if there is room now; false when the channel is full. */
  trySend(value: T): boolean {
    const memory = this.format.encode(value, 'ChannelSender.trySend');
    const length = this.format.encodedLength;
    const r = channelSend(this.ctx, this.handle, memory, 0, length);
    if (r === WOULD_BLOCK) return false;
    check(r, 'ChannelSender.trySend');
    return true;
  }
}

/** Options of a receive: a message channel can receive into an existing Message. */
export interface ChannelReceiveOptions<T> extends WaitOptions {
  into?: T;
}
export interface AsyncChannelReceiveOptions<T> extends AsyncWaitOptions {
  into?: T;
}

/** The receiving end of a channel; `for await` receives until the channel ends. */
export class ChannelReceiver<T> extends Handle implements AsyncIterable<T> {
  constructor(
    ctx: TaskContext,
    handle: number,
    private readonly format: ChannelFormat<T>,
  ) {
    super(ctx, handle);
  }

  /** Another receiver end (a new handle with the same rights). Needs grant. */
  duplicate(): ChannelReceiver<T> {
    return new ChannelReceiver(this.ctx, check(handles.duplicate(this.ctx, this.handle), 'ChannelReceiver.duplicate'), this.format);
  }

  /**
   * Receives the oldest value, waiting while empty. Throws BrokenPipeError
   * once drained with no sender left; InvalidArgumentError for an `into`
   * that is not a Message (message channels only) or is the target of a
   * pending async receive.
   */
  receive(options?: ChannelReceiveOptions<T>): T {
    const memory = this.format.receiveMemory(optionsOf(options, 'ChannelReceiver.receive')?.into, false, 'ChannelReceiver.receive');
    const deadline = deadlineOf(options, 'ChannelReceiver.receive');
    const n = check(blocking(ops.CHANNEL_RECEIVE, this.ctx, this.handle, memory, 0, 0, deadline), 'ChannelReceiver.receive');
    return this.format.decode(memory, n);
  }

  async receiveAsync(options?: AsyncChannelReceiveOptions<T>): Promise<T> {
    const memory = this.format.receiveMemory(optionsOf(options, 'ChannelReceiver.receiveAsync')?.into, true, 'ChannelReceiver.receiveAsync');
    const deadline = deadlineOf(options, 'ChannelReceiver.receiveAsync');
    const signal = signalOf(options, 'ChannelReceiver.receiveAsync');
    const pending = blockingAsync(ops.CHANNEL_RECEIVE, this.ctx, this.handle, memory, 0, 0, deadline, signal);
    const n = check(await this.format.receiving(memory, pending), 'ChannelReceiver.receiveAsync', signal);
    return this.format.decode(memory, n);
  }

  /**
   * Message channels: receives up to `max` queued messages into `batch` (64
   * bytes each) under one receive lock, waiting while empty. Returns how many.
   */
  receiveMany(batch: Uint8Array, max?: number, options?: WaitOptions): number {
    const memory = this.batches.of(bytesArgument(batch, 'batch', 'ChannelReceiver.receiveMany'));
    const n = batchCount(max, memory, 'max', 'ChannelReceiver.receiveMany');
    const deadline = deadlineOf(options, 'ChannelReceiver.receiveMany');
    return check(blocking(ops.CHANNEL_RECEIVE_MANY, this.ctx, this.handle, memory, 0, n, deadline), 'ChannelReceiver.receiveMany');
  }

  async receiveManyAsync(batch: Uint8Array, max?: number, options?: AsyncWaitOptions): Promise<number> {
    const memory = this.batches.of(bytesArgument(batch, 'batch', 'ChannelReceiver.receiveManyAsync'));
    const n = batchCount(max, memory, 'max', 'ChannelReceiver.receiveManyAsync');
    const deadline = deadlineOf(options, 'ChannelReceiver.receiveManyAsync');
    const signal = signalOf(options, 'ChannelReceiver.receiveManyAsync');
    return check(await blockingAsync(ops.CHANNEL_RECEIVE_MANY, this.ctx, this.handle, memory, 0, n, deadline, signal), 'ChannelReceiver.receiveManyAsync', signal);
  }

  private readonly batches = new MemoryCache();

  /** Receives if a value is queued; undefined when empty. Throws BrokenPipeError once drained with no sender left. */
  tryReceive(into?: T): T | undefined {
    const memory = this.format.receiveMemory(into, false, 'ChannelReceiver.tryReceive');
    const n = channelReceive(this.ctx, this.handle, memory, 0, false);
    if (n === -EAGAIN) return undefined;
    check(n, 'ChannelReceiver.tryReceive');
    return this.format.decode(memory, n);
  }

  /** Receives until the channel ends (no sender left and drained) or this handle is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const memory = this.format.receiveMemory(undefined, true, 'ChannelReceiver iteration');
      const n = await blockingAsync(ops.CHANNEL_RECEIVE, this.ctx, this.handle, memory, 0, 0, Infinity, undefined);
      if (n === -EPIPE || n === -EBADF) return;
      check(n, 'ChannelReceiver iteration');
      yield this.format.decode(memory, n);
    }
  }
}

/** How a channel is made through the typed API. */
export interface ChannelOptions {
  /** Values it holds at most before senders wait (default 64, at most 65536). */
  capacity?: number;
}
export interface BytesChannelOptions extends ChannelOptions {
  /** The largest value in bytes (encoded, for a codec). */
  maxBytes: number;
}
export interface ValueChannelOptions<T> extends BytesChannelOptions {
  /** 'msgpack' (msgpackr, the fastest), 'structured' (the runtime's structured clone), 'json', or a codec of your own. */
  codec: CodecOption<T>;
}
/** Both ends of a new channel. */
export interface ChannelEnds<T> {
  sender: ChannelSender<T>;
  receiver: ChannelReceiver<T>;
}

export const DEFAULT_CHANNEL_CAPACITY = 64;
/** Rights of the two ends: each may be granted (and so passed to other tasks). */
const SENDER_RIGHTS = RIGHT_WRITE | RIGHT_GRANT;
const RECEIVER_RIGHTS = RIGHT_READ | RIGHT_GRANT;

function formatOf<T>(maxBytes: number, codec: Codec<T> | undefined): ChannelFormat<T> {
  if (maxBytes === 0) return messageFormat() as unknown as ChannelFormat<T>;
  return bytesFormat(maxBytes, codec);
}

/** Creates a channel and returns its two ends (see {@link Task.createChannel}). */
export function createChannelEnds<T>(ctx: TaskContext, options: Partial<ValueChannelOptions<T>> | undefined): ChannelEnds<T> {
  const checked = optionsOf(options, 'createChannel');
  const maxBytes = checked?.maxBytes ?? 0;
  const codec = checked?.codec;
  const capacity = checked?.capacity ?? DEFAULT_CHANNEL_CAPACITY;
  if (codec !== undefined && maxBytes === 0) {
    throw new InvalidArgumentError(EINVAL, 'createChannel: a channel with a codec needs maxBytes, the largest encoded value');
  }
  const valueCodec = codec === undefined ? undefined : codecOf(codec, 'createChannel');
  const full = check(createChannel(ctx, capacity, maxBytes, valueCodec === undefined ? CODEC_NONE : codecTag(valueCodec)), 'createChannel');
  try {
    const format = formatOf(maxBytes, valueCodec);
    const sender = check(handles.restrict(ctx, full, SENDER_RIGHTS), 'createChannel');
    const receiver = handles.restrict(ctx, full, RECEIVER_RIGHTS);
    if (receiver < 0) handles.close(ctx, sender);
    return { sender: new ChannelSender(ctx, sender, format), receiver: new ChannelReceiver(ctx, check(receiver, 'createChannel'), format) };
  } finally {
    handles.close(ctx, full);
  }
}

/**
 * The format of an existing channel end `handle`, from the kernel's record:
 * its size, and the codec it was created with. `codec` may be omitted for
 * a channel of bytes or of a built-in codec; otherwise it must be the
 * channel's codec: CodecMismatchError (EINVAL) for another one, or for a
 * codec given for bytes or left out for a codec of the creator's own.
 */
export function formatOfHandle<T>(ctx: TaskContext, handle: number, codec: CodecOption<T> | undefined, operation: string): ChannelFormat<T> {
  const shape: ChannelShape = { maxBytes: 0, codecTag: CODEC_NONE };
  check(channelShape(ctx, handle, shape), operation);
  const ours = codec === undefined ? undefined : codecOf(codec, operation);
  const oursTag = ours === undefined ? CODEC_NONE : codecTag(ours);
  if (ours === undefined && shape.codecTag !== CODEC_NONE) {
    const builtin = builtinCodecOfTag<T>(shape.codecTag);
    if (builtin === undefined) throw codecMismatch(operation, "this channel's values are", shape.codecTag, CODEC_NONE);
    return formatOf(shape.maxBytes, builtin);
  }
  if (oursTag !== shape.codecTag) throw codecMismatch(operation, "this channel's values are", shape.codecTag, oursTag);
  return formatOf(shape.maxBytes, ours);
}
