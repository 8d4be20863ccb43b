/**
 * Values in messages: how `port.send(value)`, `port.call(value)` and a
 * served reply put a value of any size in a 64-byte message, and how a
 * receive gets it back. The codec's bytes go in the payload when they fit
 * (48 bytes at most); larger ones go in a buffer (src/objects/buffer) whose
 * handle the message moves (docs/objects/port.md, "Values").
 */
import type { TaskContext } from '../core/context.js';
import { messageMemory } from '../core/copy.js';
import { MSG_PAYLOAD_BYTES, MSG_TYPE_VALUE, VALUE_CODEC_SHIFT, VALUE_OUT_OF_LINE, VALUE_THROWN } from '../core/layout.js';
import { bufferSize, createBuffer, readBuffer } from '../objects/buffer/buffer.js';
import * as handles from '../ops/handle-ops.js';
import { bytesArgument } from './arguments.js';
import { type Codec, codecTag } from './codec.js';
import { check, InvalidArgumentError } from './errors.js';
import { EINVAL } from '../core/errno.js';
import { Message } from './message.js';
import { thrownRecordOf } from './remote-error.js';

/**
 * Writes `value`, encoded with `codec`, into `message` (its type, flags and
 * payload; the sender word is left alone), `thrown` marking what a handler
 * threw. Returns the handle of the buffer the bytes went to (0: inline):
 * a message that goes moves it away; the caller closes it if the message
 * is refused. Throws
 * InvalidArgumentError when the codec's output is not a Uint8Array, and the
 * buffer's error (OutOfMemoryError, QuotaExceededError) when it cannot be
 * made; nothing is then held. The codec runs here, before any lock.
 */
export function writeValue(ctx: TaskContext, message: Message, value: unknown, codec: Codec<unknown>, thrown: boolean, operation: string): number {
  let encoded: unknown;
  try {
    encoded = codec.encode(value);
  } catch (error) {
    throw new InvalidArgumentError(EINVAL, `${operation}: the codec ${codec.name === undefined ? '' : `'${codec.name}' `}could not encode the value: ${String((error as Error)?.message ?? error)}`, { cause: error });
  }
  const bytes = bytesArgument(encoded, 'the encoded value', operation);
  const base = MSG_TYPE_VALUE | (codecTag(codec) << VALUE_CODEC_SHIFT) | (thrown ? VALUE_THROWN : 0);
  const payload = message.payload;
  if (bytes.length <= MSG_PAYLOAD_BYTES) {
    message.type = base | bytes.length;
    message.flags = 0;
    payload.set(bytes);
    payload.fill(0, bytes.length);
    return 0;
  }
  const buffer = check(createBuffer(ctx, messageMemory(bytes), 0, bytes.length), operation);
  message.type = base | VALUE_OUT_OF_LINE;
  message.flags = buffer;
  payload.fill(0);
  message.setU32(0, bytes.length);
  return buffer;
}

/**
 * Writes what a handler threw into `message` as a thrown value: as a
 * record with its cause and any thrown non-Error value, or, when `codec`
 * cannot carry those, with them as text. Returns the buffer handle as
 * {@link writeValue} does.
 */
export function writeThrown(ctx: TaskContext, message: Message, thrown: unknown, codec: Codec<unknown>, operation: string): number {
  try {
    return writeValue(ctx, message, thrownRecordOf(thrown), codec, true, operation);
  } catch {
    return writeValue(ctx, message, thrownRecordOf(thrown, true), codec, true, operation);
  }
}

/**
 * Completes a receive into `message`: when it carries a value out of line,
 * copies the bytes out of the buffer its `flags` names and closes that
 * handle (flags becomes 0), so the value is the message's alone and no
 * handle is left to leak. A buffer that cannot be read (a sender that lied
 * about what it moved) is closed too; Message.value then says the bytes
 * did not arrive.
 */
export function settleValue(ctx: TaskContext, message: Message): void {
  const type = message.type;
  if (!message.isValue || (type & VALUE_OUT_OF_LINE) === 0) {
    Message.setOutOfLine(message, undefined);
    return;
  }
  const buffer = message.flags;
  const length = message.getU32(0);
  // The length the sender wrote is believed only once the buffer agrees: a lie allocates nothing.
  let bytes: Uint8Array | undefined;
  if (buffer !== 0 && bufferSize(ctx, buffer) === length) {
    bytes = new Uint8Array(length);
    if (readBuffer(ctx, buffer, 0, messageMemory(bytes), 0, length) !== length) bytes = undefined;
  }
  if (buffer !== 0) handles.close(ctx, buffer);
  message.flags = 0;
  Message.setOutOfLine(message, bytes);
}
