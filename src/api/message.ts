/**
 * IpcMessage (docs/objects/port.md, "The message") as a JavaScript object over its own 64 bytes:
 *
 * | offset | size | field    |
 * |--------|------|----------|
 * | 0      | 8    | sender   | (pid; a call's token rides in the high word) |
 * | 8      | 4    | type     |
 * | 12     | 4    | flags    | (a handle to transfer, or the one received) |
 * | 16     | 48   | payload  |
 *
 * Messages can be reused: every receive and call takes an `into` message, so
 * a hot loop allocates nothing. A Message may be the target of one pending
 * async receive (or call) at a time: a second receive into it while the
 * first is pending is an InvalidArgumentError, so that no message is lost
 * by being overwritten.
 */
import {
  MESSAGE_BYTES,
  MSG_FLAGS,
  MSG_PAYLOAD,
  MSG_PAYLOAD_BYTES,
  MSG_SENDER,
  MSG_TYPE,
  MSG_TYPE_REPLY,
  MSG_TYPE_VALUE,
  MSG_TYPE_VALUE_MASK,
  VALUE_CODEC_SHIFT,
  VALUE_INLINE_LENGTH,
  VALUE_OUT_OF_LINE,
  VALUE_THROWN,
} from '../core/layout.js';
import type { MessageMemory } from '../core/copy.js';
import { EINVAL } from '../core/errno.js';
import { builtinCodecOfTag, CODEC_NONE, type CodecOption, codecMismatch, codecOf, codecTag } from './codec.js';
import { InvalidArgumentError } from './errors.js';
import { remoteErrorOf } from './remote-error.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Message implements MessageMemory {
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
  /** The 48 payload bytes, a view into this message. */
  readonly payload: Uint8Array;
  private readonly view: DataView;
  /** Set by {@link takeHandle}; Port.serve() and iteration close a carried handle nobody took. */
  private handleTakenFlag = false;
  /** What the kernel copies to and from: this message's own arrays, which no subclass or Proxy can replace. */
  readonly #memory: MessageMemory & { readonly message: Message };
  /** Whether an async receive (or call) into this message is pending. */
  #receiving = false;
  /** The bytes of an out-of-line value, fetched from its buffer when the message was received (src/api/value.ts). */
  #outOfLine: Uint8Array | undefined = undefined;

  constructor() {
    const buffer = new ArrayBuffer(MESSAGE_BYTES);
    this.bytes = new Uint8Array(buffer);
    this.words = new Int32Array(buffer);
    this.payload = new Uint8Array(buffer, MSG_PAYLOAD, MSG_PAYLOAD_BYTES);
    this.view = new DataView(buffer);
    this.#memory = { bytes: this.bytes, words: this.words, message: this };
  }

  /**
   * @internal The kernel memory of `value` if it is a Message (the engine's
   * brand check: no getter or Proxy trap runs), else undefined.
   */
  static memoryOf(value: unknown): MessageMemory | undefined {
    return typeof value === 'object' && value !== null && #memory in value ? (value as Message).#memory : undefined;
  }

  /** @internal The Message whose kernel memory (from {@link memoryOf}) `memory` is. */
  static ofMemory(memory: MessageMemory): Message {
    return (memory as MessageMemory & { readonly message: Message }).message;
  }

  /** @internal Whether an async receive into `message` is pending. */
  static isReceiving(message: Message): boolean {
    return message.#receiving;
  }

  /** @internal Marks `message` as (no longer) the target of a pending async receive. */
  static setReceiving(message: Message, receiving: boolean): void {
    message.#receiving = receiving;
  }

  /** @internal Records the out-of-line bytes of the value `message` was received with (undefined: none). */
  static setOutOfLine(message: Message, bytes: Uint8Array | undefined): void {
    message.#outOfLine = bytes;
  }

  /** A message of `type` with `payload` (bytes, or a string encoded as UTF-8). */
  static of(type: number, payload?: Uint8Array | string, flags = 0): Message {
    const m = new Message();
    m.type = type;
    m.flags = flags;
    if (payload !== undefined) m.setPayload(payload);
    return m;
  }

  /**
   * A zeroed buffer for `count` messages back to back, for Port.sendMany and
   * Port.receiveMany. Message i starts at byte i * 64.
   */
  static batch(count: number): Uint8Array {
    return new Uint8Array(count * MESSAGE_BYTES);
  }

  /** Pid of the task that sent it (set by the kernel). */
  get sender(): number {
    return this.view.getUint32(MSG_SENDER, true);
  }
  set sender(pid: number) {
    this.view.setUint32(MSG_SENDER, pid, true);
  }
  /** Non-zero when this message is a call: the token that names it for the reply. */
  get callToken(): number {
    return this.view.getUint32(MSG_SENDER + 4, true);
  }
  get type(): number {
    return this.view.getUint32(MSG_TYPE, true);
  }
  set type(value: number) {
    this.view.setUint32(MSG_TYPE, value, true);
  }
  /** Sending: a handle of the sender's to transfer. Received: the handle it became here. */
  get flags(): number {
    return this.view.getUint32(MSG_FLAGS, true);
  }
  set flags(value: number) {
    this.view.setUint32(MSG_FLAGS, value, true);
  }
  /**
   * A received message: the handle it carried (its `flags`; 0 when none),
   * now the caller's to keep and close. Port.serve() and `for await` over a
   * port close every carried handle that no one took once the handler
   * returns (or the loop moves on), so a client cannot fill the server's
   * handle table; take it to keep it.
   */
  takeHandle(): number {
    this.handleTakenFlag = true;
    return this.flags;
  }
  /** Whether {@link takeHandle} was called since Port.serve() or iteration handed this message out. */
  get handleTaken(): boolean {
    return this.handleTakenFlag;
  }
  /** @internal Port.serve() and iteration, before handing the message out. */
  resetHandleTaken(): void {
    this.handleTakenFlag = false;
  }

  /** The u32 status of a reply (payload[0..4]): 0 OK, else an errno. */
  get status(): number {
    return this.view.getUint32(MSG_PAYLOAD, true);
  }
  set status(value: number) {
    this.view.setUint32(MSG_PAYLOAD, value, true);
  }
  /** Whether this is a reply/status message (type 0x80). */
  get isReply(): boolean {
    return this.type === MSG_TYPE_REPLY;
  }

  /** Whether this message carries a value (sent with `port.send(value)`, `port.call(value)` or a served reply). */
  get isValue(): boolean {
    return (this.type & MSG_TYPE_VALUE_MASK) === MSG_TYPE_VALUE;
  }

  /**
   * The value this message carries, decoded with the codec it was sent
   * with (a built-in one is found from the message; pass your own codec).
   * A reply carrying what a handler threw throws it here as a RemoteError.
   * Throws InvalidArgumentError when the message carries no value, and
   * CodecMismatchError when `codec` is not the sender's, or is needed.
   */
  value<T = unknown>(codec?: CodecOption<T>): T {
    const type = this.type;
    if (!this.isValue) throw new InvalidArgumentError(EINVAL, `Message.value: this message carries no value (type 0x${type.toString(16)})`);
    const tag = (type >>> VALUE_CODEC_SHIFT) & 0xff;
    const chosen = codec === undefined ? builtinCodecOfTag<T>(tag) : codecOf(codec, 'Message.value');
    if (chosen === undefined) throw codecMismatch('Message.value', 'this message was', tag, CODEC_NONE);
    if (codec !== undefined && codecTag(chosen) !== tag) throw codecMismatch('Message.value', 'this message was', tag, codecTag(chosen));
    let bytes: Uint8Array;
    if ((type & VALUE_OUT_OF_LINE) !== 0) {
      if (this.#outOfLine === undefined) {
        throw new InvalidArgumentError(EINVAL, 'Message.value: the out-of-line bytes of this value did not arrive (it was not received through a typed receive, or its buffer was not readable)');
      }
      bytes = this.#outOfLine;
    } else {
      // A copy: a decoded typed array may be a view of its input, and this message is reused.
      bytes = this.payload.slice(0, Math.min(type & VALUE_INLINE_LENGTH, MSG_PAYLOAD_BYTES));
    }
    const value = chosen.decode(bytes);
    if ((type & VALUE_THROWN) !== 0) throw remoteErrorOf(value);
    return value;
  }

  /** Replaces the payload; shorter data is zero-filled. Throws a RangeError above 48 bytes. */
  setPayload(data: Uint8Array | string): this {
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    if (bytes.length > MSG_PAYLOAD_BYTES) {
      throw new RangeError(`kipc: a message payload holds at most ${MSG_PAYLOAD_BYTES} bytes, got ${bytes.length}`);
    }
    this.payload.fill(0);
    this.payload.set(bytes);
    return this;
  }

  /** The payload as UTF-8 text, up to the first NUL. */
  text(): string {
    const end = this.payload.indexOf(0);
    return decoder.decode(end < 0 ? this.payload : this.payload.subarray(0, end));
  }

  /** Reads a u32 of the payload. */
  getU32(offset: number): number {
    return this.view.getUint32(MSG_PAYLOAD + offset, true);
  }
  /** Writes a u32 of the payload. */
  setU32(offset: number, value: number): this {
    this.view.setUint32(MSG_PAYLOAD + offset, value, true);
    return this;
  }

  /** Copies all 64 bytes of `other` into this message. */
  copyFrom(other: Message): this {
    this.bytes.set(other.bytes);
    return this;
  }

  clear(): this {
    this.bytes.fill(0);
    return this;
  }
}
