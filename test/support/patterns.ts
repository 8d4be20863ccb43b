/**
 * Payloads both sides of a test can compute and check: byte patterns, and
 * checked messages (stream id, sequence number and a checksum of both).
 */
import type { Message } from '../../src/index.js';

/** The two constants a checksum mixes in: each kind of checked payload has its own. */
export type ChecksumKey = readonly [number, number];

/** The key of checked messages ({@link fillChecked}). */
export const CHECKED: ChecksumKey = [0x5bd1e995, 0x9e3779b9];

/**
 * A checked message: payload u32[0] = stream id, u32[1] = sequence number,
 * u32[2] = a checksum of both, so that a torn or mixed-up message is caught.
 */
export function checksum(stream: number, seq: number, key: ChecksumKey = CHECKED): number {
  return (Math.imul(stream ^ key[0], 0x01000193) ^ Math.imul(seq + key[1], 0x85ebca6b)) >>> 0;
}

export function fillChecked(m: Message, type: number, stream: number, seq: number): Message {
  m.type = type;
  m.flags = 0;
  m.setU32(0, stream).setU32(4, seq).setU32(8, checksum(stream, seq));
  return m;
}

export function isChecked(m: Message): boolean {
  return m.getU32(8) === checksum(m.getU32(0), m.getU32(4));
}

/** `length` bytes that differ for every `seed` and every position (no run of equal bytes). */
export function pattern(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = (x >>> 16) & 0xff;
  }
  return bytes;
}

/** {@link pattern}, with `seed` itself in its first four bytes (u32, little-endian) when there is room. */
export function seededPattern(seed: number, length: number): Uint8Array {
  const bytes = pattern(seed, length);
  if (length >= 4) new DataView(bytes.buffer).setUint32(0, seed, true);
  return bytes;
}
