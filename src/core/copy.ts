/**
 * Moving 64-byte IpcMessages between a caller's memory and the kernel
 * region. Word-aligned sources copy 16 words; anything else copies bytes.
 * Neither allocates.
 */
import { MESSAGE_BYTES, MESSAGE_WORDS } from './layout.js';

// copy16 is MESSAGE_WORDS long.
if (MESSAGE_WORDS !== 16) throw new Error('copy.ts assumes 16-word messages');

/**
 * Memory a message is copied from or to: bytes, and, when the bytes start on
 * a 4-byte boundary of their buffer, the same memory as words.
 */
export interface MessageMemory {
  readonly bytes: Uint8Array;
  readonly words: Int32Array | null;
}

/** True when [offset, offset + length) lies inside `memory` (EFAULT otherwise). */
export function inBounds(memory: MessageMemory, offset: number, length: number): boolean {
  return (
    typeof offset === 'number' &&
    Number.isInteger(offset) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= memory.bytes.length
  );
}

/**
 * Copies 16 words from `from` at `f` to `to` at `t`. Written out: V8 neither
 * unrolls the loop nor drops its bounds checks, and the loop costs four
 * times as much (33 ns against 8 here), on the path of every message.
 */
function copy16(to: Int32Array, t: number, from: Int32Array, f: number): void {
  to[t] = from[f]!;
  to[t + 1] = from[f + 1]!;
  to[t + 2] = from[f + 2]!;
  to[t + 3] = from[f + 3]!;
  to[t + 4] = from[f + 4]!;
  to[t + 5] = from[f + 5]!;
  to[t + 6] = from[f + 6]!;
  to[t + 7] = from[f + 7]!;
  to[t + 8] = from[f + 8]!;
  to[t + 9] = from[f + 9]!;
  to[t + 10] = from[f + 10]!;
  to[t + 11] = from[f + 11]!;
  to[t + 12] = from[f + 12]!;
  to[t + 13] = from[f + 13]!;
  to[t + 14] = from[f + 14]!;
  to[t + 15] = from[f + 15]!;
}

/** Copies the message at byte `offset` of `src` into kernel words starting at `dstWord`. */
export function copyIn(kernel: Int32Array, kernelBytes: Uint8Array, dstWord: number, src: MessageMemory, offset: number): void {
  const words = src.words;
  if (words !== null && (offset & 3) === 0) {
    copy16(kernel, dstWord, words, offset >> 2);
    return;
  }
  const bytes = src.bytes;
  const d = dstWord << 2;
  for (let i = 0; i < MESSAGE_BYTES; i++) kernelBytes[d + i] = bytes[offset + i]!;
}

/** Copies the message at kernel word `srcWord` to byte `offset` of `dst`. */
export function copyOut(kernel: Int32Array, kernelBytes: Uint8Array, srcWord: number, dst: MessageMemory, offset: number): void {
  const words = dst.words;
  if (words !== null && (offset & 3) === 0) {
    copy16(words, offset >> 2, kernel, srcWord);
    return;
  }
  const bytes = dst.bytes;
  const s = srcWord << 2;
  for (let i = 0; i < MESSAGE_BYTES; i++) bytes[offset + i] = kernelBytes[s + i]!;
}

// The engine's own accessors of typed arrays, taken once: a caller's array
// may shadow `buffer`, `length`, `subarray` or `constructor` with code of its
// own, which must never run (it could throw) while the kernel holds a lock.
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
function intrinsicGetter(name: PropertyKey): (this: unknown) => unknown {
  return Object.getOwnPropertyDescriptor(typedArrayPrototype, name)!.get! as (this: unknown) => unknown;
}
const tagOf = intrinsicGetter(Symbol.toStringTag);
const bufferOf = intrinsicGetter('buffer') as (this: unknown) => ArrayBufferLike;
const byteOffsetOf = intrinsicGetter('byteOffset') as (this: unknown) => number;
const byteLengthOf = intrinsicGetter('byteLength') as (this: unknown) => number;

/**
 * Whether `value` is a Uint8Array (Node's Buffer and other subclasses
 * included), told without running any code of the value's own (a Proxy is
 * not one).
 */
export function isUint8Array(value: unknown): value is Uint8Array {
  return tagOf.call(value) === 'Uint8Array';
}

/** Whether the Uint8Array `bytes` lies over a buffer that was transferred away (detached). */
export function isDetached(bytes: Uint8Array): boolean {
  // A detached buffer shows length 0; only then is the costlier test needed.
  if (byteLengthOf.call(bytes) !== 0) return false;
  const buffer = bufferOf.call(bytes);
  if (buffer instanceof SharedArrayBuffer) return false;
  try {
    new Uint8Array(buffer as ArrayBuffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * Wraps the Uint8Array `bytes` as MessageMemory: a view of the kernel's own
 * over the same memory (read through the engine's accessors, so nothing the
 * caller's object overrides runs, then or later under a lock), with a word
 * view when its alignment allows.
 */
export function messageMemory(bytes: Uint8Array): MessageMemory {
  const buffer = bufferOf.call(bytes);
  const byteOffset = byteOffsetOf.call(bytes);
  const byteLength = byteLengthOf.call(bytes);
  const view = new Uint8Array(buffer, byteOffset, byteLength);
  const words = (byteOffset & 3) === 0 ? new Int32Array(buffer, byteOffset, byteLength >> 2) : null;
  return { bytes: view, words };
}

/**
 * Wraps byte buffers as MessageMemory, keeping the wrappers of the last two
 * buffers: a loop that reuses one buffer, or alternates two (a batch sent
 * from one and received into another), allocates nothing.
 */
export class MemoryCache {
  private lastSource: Uint8Array | undefined;
  private last: MessageMemory | undefined;
  private otherSource: Uint8Array | undefined;
  private other: MessageMemory | undefined;

  of(bytes: Uint8Array): MessageMemory {
    if (this.lastSource === bytes && this.last !== undefined) return this.last;
    if (this.otherSource === bytes && this.other !== undefined) {
      const found = this.other;
      this.other = this.last;
      this.otherSource = this.lastSource;
      this.last = found;
      this.lastSource = bytes;
      return found;
    }
    this.other = this.last;
    this.otherSource = this.lastSource;
    this.last = messageMemory(bytes);
    this.lastSource = bytes;
    return this.last;
  }
}

/** Reads a little-endian i32 at byte `offset` of `memory` (bounds already checked). */
export function readI32(memory: MessageMemory, offset: number): number {
  const b = memory.bytes;
  return b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24);
}

/** Writes a little-endian i32 at byte `offset` of `memory` (bounds already checked). */
export function writeI32(memory: MessageMemory, offset: number, value: number): void {
  const b = memory.bytes;
  b[offset] = value & 0xff;
  b[offset + 1] = (value >>> 8) & 0xff;
  b[offset + 2] = (value >>> 16) & 0xff;
  b[offset + 3] = (value >>> 24) & 0xff;
}
