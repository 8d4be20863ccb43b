/**
 * Checking the typed API's arguments before anything reaches the kernel.
 *
 * Every public method reads each argument and option once, up front, into
 * locals, and checks it here: its type, its range, the kind of buffer. Only
 * then does it call a kernel op, which takes locks; so no getter, Proxy
 * trap, `valueOf` or codec of the caller's ever runs while a lock is held,
 * and a wrong argument is an {@link InvalidArgumentError} (EINVAL) naming
 * it, thrown (or, from an async method, rejected) with nothing done.
 *
 * The checks allocate nothing and call no code of the value's own.
 */
import { EINVAL } from '../core/errno.js';
import { MESSAGE_BYTES } from '../core/layout.js';
import { type MessageMemory, isDetached, isUint8Array } from '../core/copy.js';
import { InvalidArgumentError } from './errors.js';
import { Message } from './message.js';
import { describe } from './describe.js';

export { describe };

/** The InvalidArgumentError of `operation` (e.g. 'Ring.write') saying what is wrong with an argument. */
export function invalidArgument(operation: string, sentence: string): InvalidArgumentError {
  return new InvalidArgumentError(EINVAL, `${operation}: ${sentence}`);
}


/** `options` itself when it is undefined or an object; else InvalidArgumentError. */
export function optionsOf<T>(options: T | undefined, operation: string): T | undefined {
  if (options === undefined || (typeof options === 'object' && options !== null)) return options;
  throw invalidArgument(operation, `options must be an object or undefined, not ${describe(options)}`);
}

/**
 * The performance.now() deadline of a `timeout` in milliseconds: a number
 * >= 0, or Infinity or undefined to wait for ever. Anything else (NaN, a
 * negative number, a string, an object) is InvalidArgumentError.
 */
export function deadlineFromTimeout(timeout: unknown, operation: string): number {
  if (timeout === undefined || timeout === Infinity) return Infinity;
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    throw invalidArgument(operation, `timeout must be a number of milliseconds >= 0 (or Infinity), not ${describe(timeout)}`);
  }
  return performance.now() + timeout;
}

/** `signal` when it is undefined or an AbortSignal; else InvalidArgumentError. */
export function signalArgument(signal: unknown, operation: string): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw invalidArgument(operation, `signal must be an AbortSignal, not ${describe(signal)}`);
}

/**
 * `value` when it is a Uint8Array (Node's Buffer included) over live
 * memory. Strings, plain arrays, other typed arrays, DataViews and arrays
 * over a detached (transferred) buffer are InvalidArgumentError.
 */
export function bytesArgument(value: unknown, name: string, operation: string): Uint8Array {
  if (!isUint8Array(value)) throw invalidArgument(operation, `${name} must be a Uint8Array, not ${describe(value)}`);
  if (isDetached(value)) throw invalidArgument(operation, `${name} lies over a detached (transferred) ArrayBuffer`);
  return value;
}

/** `value` when it is an integer from `min` to `max`; else InvalidArgumentError. */
export function integerArgument(value: unknown, name: string, operation: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(operation, `${name} must be an integer from ${min} to ${max}, not ${describe(value)}`);
  }
  return value;
}

/**
 * The kernel's memory of the {@link Message} `value` (its own 64 bytes,
 * out of reach of getters and Proxies); InvalidArgumentError for anything
 * that is not a Message made by `new Message()` or `Message.of`.
 */
export function messageArgument(value: unknown, name: string, operation: string): MessageMemory {
  const memory = Message.memoryOf(value);
  if (memory === undefined) throw invalidArgument(operation, `${name} must be a Message, not ${describe(value)}`);
  return memory;
}

/**
 * The Message a receive lands in: `into`, or a new one when undefined.
 * InvalidArgumentError when `into` is not a Message, or is already the
 * target of a pending async receive (the second receive would overwrite
 * the first's message, or the first the second's).
 */
export function receiveTarget(into: unknown, operation: string): Message {
  if (into === undefined) return new Message();
  if (Message.memoryOf(into) === undefined) throw invalidArgument(operation, `into must be a Message, not ${describe(into)}`);
  if (Message.isReceiving(into as Message)) {
    throw invalidArgument(operation, 'into: this Message is already the target of a pending receive; give each pending receive its own Message');
  }
  return into as Message;
}

/** Awaits `pending`, an async receive into `into` already started, with `into` marked busy until it settles. */
export async function receivingInto(into: Message, pending: Promise<number>): Promise<number> {
  Message.setReceiving(into, true);
  try {
    return await pending;
  } finally {
    Message.setReceiving(into, false);
  }
}

/** How many messages a batch op moves: `count` (an integer >= 1), or as many as `memory` holds when undefined. */
export function batchCount(count: unknown, memory: MessageMemory, name: string, operation: string): number {
  if (count === undefined) return Math.max(1, Math.floor(memory.bytes.length / MESSAGE_BYTES));
  return integerArgument(count, name, operation, 1, 2 ** 31 - 1);
}
