/** Little-endian reads and writes of a task's mirrored user memory. */

export function readI32(mem: Uint8Array, at: number): number {
  return new DataView(mem.buffer, mem.byteOffset, mem.byteLength).getInt32(at, true);
}

export function writeU32(mem: Uint8Array, at: number, value: number): void {
  new DataView(mem.buffer, mem.byteOffset, mem.byteLength).setUint32(at, value >>> 0, true);
}

/** Writes a u64 given as a number below 2^53. */
export function writeU64(mem: Uint8Array, at: number, value: number): void {
  writeU32(mem, at, value % 0x100000000);
  writeU32(mem, at + 4, Math.floor(value / 0x100000000));
}
