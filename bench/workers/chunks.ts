/**
 * The 64 KiB chunks of the ring-stream benchmark: each writer stamps chunk
 * k's first byte with k and its last with ~k (mod 256) and each reader
 * checks both, so bytes that arrive late, twice, stale or out of order fail
 * the run. A stream reader's reads need not line up with the chunks, so
 * ChunkChecker follows the position in the stream.
 */

export const CHUNK_BYTES = 64 * 1024;
/** Size of the kipc ring, and how many bytes the other sides may have in flight. */
export const RING_BYTES = 1024 * 1024;
/** Whole chunks in RING_BYTES. */
export const RING_CHUNKS = RING_BYTES / CHUNK_BYTES;

export function stampChunk(chunk: Uint8Array, k: number): void {
  chunk[0] = k & 0xff;
  chunk[CHUNK_BYTES - 1] = ~k & 0xff;
}

/** Throws unless `chunk` (a whole chunk) is chunk `k`. */
export function checkChunk(chunk: Uint8Array, k: number): void {
  if (chunk.length !== CHUNK_BYTES || chunk[0] !== (k & 0xff) || chunk[CHUNK_BYTES - 1] !== (~k & 0xff)) {
    throw new Error(`bench: chunk ${k} of the burst arrived wrong (${chunk.length} bytes, first ${chunk[0]}, last ${chunk[chunk.length - 1]})`);
  }
}

/** Checks the stamps of a stream of chunks read in pieces of any size. */
export class ChunkChecker {
  /** Bytes of the burst read so far. */
  position = 0;

  /** Checks the first `n` bytes of `bytes`, the next `n` of the stream. */
  check(bytes: Uint8Array, n: number): void {
    const at = this.position % CHUNK_BYTES;
    for (let o = (CHUNK_BYTES - at) % CHUNK_BYTES; o < n; o += CHUNK_BYTES) {
      const k = (this.position + o) / CHUNK_BYTES;
      if (bytes[o] !== (k & 0xff)) throw new Error(`bench: the first byte of chunk ${k} of the burst is ${bytes[o]}`);
    }
    for (let o = CHUNK_BYTES - 1 - at; o < n; o += CHUNK_BYTES) {
      const k = (this.position + o + 1) / CHUNK_BYTES - 1;
      if (bytes[o] !== (~k & 0xff)) throw new Error(`bench: the last byte of chunk ${k} of the burst is ${bytes[o]}`);
    }
    this.position += n;
  }
}
