/**
 * Moving 64-byte IpcMessages between a caller's memory and the kernel
 * region. Word-aligned sources copy 16 words; anything else copies bytes.
 * Neither allocates.
 */
import { MESSAGE_BYTES, MESSAGE_WORDS } from './layout.js';

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

/** Copies the message at byte `offset` of `src` into kernel words starting at `dstWord`. */
export function copyIn(kernel: Int32Array, kernelBytes: Uint8Array, dstWord: number, src: MessageMemory, offset: number): void {
  const words = src.words;
  if (words !== null && (offset & 3) === 0) {
    const s = offset >> 2;
    for (let i = 0; i < MESSAGE_WORDS; i++) kernel[dstWord + i] = words[s + i]!;
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
    const d = offset >> 2;
    for (let i = 0; i < MESSAGE_WORDS; i++) words[d + i] = kernel[srcWord + i]!;
    return;
  }
  const bytes = dst.bytes;
  const s = srcWord << 2;
  for (let i = 0; i < MESSAGE_BYTES; i++) bytes[offset + i] = kernelBytes[s + i]!;
}

/** Wraps a Uint8Array as MessageMemory, with a word view when its alignment allows. */
export function messageMemory(bytes: Uint8Array): MessageMemory {
  const words =
    (bytes.byteOffset & 3) === 0
      ? new Int32Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength >> 2)
      : null;
  return { bytes, words };
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
