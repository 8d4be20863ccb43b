/**
 * Node.js streams over a ring's byte stream: `ringReadable` and
 * `ringWritable` turn a {@link Ring} into a `node:stream` Readable and
 * Writable, for `pipeline`, `pipe` and everything else that speaks Node
 * streams. Node only: this module is not re-exported by the package root
 * (browsers have no node:stream); import it from 'kipc/node-streams'.
 *
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { createReadStream, createWriteStream } from 'node:fs';
 * import { ringReadable, ringWritable } from 'kipc/node-streams';
 *
 * // In the writing task: the file into the ring, then shutdown().
 * await pipeline(createReadStream('in.bin'), ringWritable(ring));
 * // In the reading task: the ring into a file, until the end of the stream.
 * await pipeline(ringReadable(ring), createWriteStream('out.bin'));
 * ```
 *
 * Both wait with the async ring operations (`readAsync`, `writeAsync`), so
 * the event loop runs while they wait. Neither closes the ring's handle:
 * the caller owns it, and must keep it open while the stream is in use.
 */
import { Readable, Writable } from 'node:stream';
import { EINVAL } from '../core/errno.js';
import { errorFor } from './errors.js';
import type { Ring } from './ring.js';

/** Bytes asked of the ring per read by default: 64 KiB. */
const DEFAULT_CHUNK_BYTES = 64 * 1024;

export interface RingReadableOptions {
  /** The most bytes read from the ring at once, i.e. the largest chunk (default 64 KiB). */
  chunkBytes?: number;
  /**
   * Bytes the Readable buffers before it stops reading from the ring (Node's
   * default when omitted). Bytes left in the ring stay there for the writers
   * to see: this is the reading side of backpressure.
   */
  highWaterMark?: number;
  /** Destroys the stream when aborted (an AbortError), like any Node stream's `signal`. */
  signal?: AbortSignal;
}

export interface RingWritableOptions {
  /**
   * Write every chunk with `{ whole: true }`: each lands in one piece, never
   * interleaved with another writer's bytes, so that chunks can be records
   * on a ring shared by several writers. A chunk longer than the ring's
   * capacity (its size - 1) then fails with InvalidArgumentError. Default:
   * false, a chunk goes in as room frees up.
   */
  whole?: boolean;
  /** Call `ring.shutdown()` when the Writable finishes (`end()`), so that readers see the end of the stream. Default: true. */
  shutdown?: boolean;
  /** Bytes waiting in the Writable (the chunk being written included) at which `write()` returns false (Node's default when omitted). */
  highWaterMark?: number;
  /** Destroys the stream when aborted (an AbortError), like any Node stream's `signal`. */
  signal?: AbortSignal;
}

/**
 * A Readable of the bytes of `ring`'s stream, as Buffer chunks of up to
 * `chunkBytes`. It reads from the ring only while its consumer wants data
 * (up to `highWaterMark` buffered), and ends (`'end'`, `null` from `read()`)
 * when the stream has been shut down and drained.
 *
 * Errors (emitted as `'error'`, the stream destroyed): BrokenPipeError once
 * the ring is destroyed; BadHandleError when the handle is closed, revoked
 * or not a ring; PermissionError when it lacks read.
 *
 * `destroy()` stops reading: a read waiting in the ring is aborted and the
 * ring's remaining bytes stay for other readers; bytes a read had already
 * taken from the ring when the stream was destroyed are dropped.
 *
 * Needs read on the handle. Several readers of one ring (Readables or not)
 * share its bytes: each byte goes to one of them.
 *
 * Throws InvalidArgumentError when `chunkBytes` is not a positive integer.
 */
export function ringReadable(ring: Ring, options: RingReadableOptions = {}): Readable {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw errorFor(EINVAL, 'ringReadable: chunkBytes');
  const scratch = new Uint8Array(chunkBytes);
  const stop = new AbortController();
  let reading = false;
  return new Readable({
    ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    read(this: Readable): void {
      // Node does not ask again before a push; this guards against it anyway.
      if (reading) return;
      reading = true;
      ring.readAsync(scratch, { signal: stop.signal }).then(
        (n) => {
          reading = false;
          if (this.destroyed) return;
          // A copy: the scratch buffer is reused for the next read.
          this.push(n === 0 ? null : Buffer.from(scratch.subarray(0, n)));
        },
        (error: unknown) => {
          reading = false;
          if (!this.destroyed) this.destroy(error as Error);
        },
      );
    },
    destroy(error, callback): void {
      stop.abort(error ?? new Error('ringReadable destroyed'));
      callback(error);
    },
  });
}

/**
 * A Writable that writes each chunk to `ring`'s stream (with `whole` if
 * asked). A write's callback fires once all its bytes are in the ring, so
 * a full ring holds the chunks back in the Writable and `write()` returns
 * false once `highWaterMark` bytes wait: real backpressure, `'drain'` when
 * readers have made room. Finishing the Writable (`end()`) shuts the
 * stream down unless `shutdown: false`.
 *
 * Errors (emitted as `'error'`, the stream destroyed): BrokenPipeError when
 * the stream was shut down (by anyone) or the ring destroyed;
 * InvalidArgumentError for a `whole` chunk longer than the ring's capacity;
 * BadHandleError when the handle is closed, revoked or not a ring;
 * PermissionError when it lacks write. A failed write may have put part of
 * its chunk in the ring (never part of a `whole` one).
 *
 * `destroy()` aborts a write waiting for room (what it had written stays;
 * the rest of the chunk and everything buffered are dropped) and does not
 * shut the stream down.
 *
 * Needs write on the handle. Chunks are Buffers or Uint8Arrays (strings are
 * encoded by Node, as `decodeStrings` defaults to true).
 */
export function ringWritable(ring: Ring, options: RingWritableOptions = {}): Writable {
  const whole = options.whole ?? false;
  const shutdownOnFinish = options.shutdown ?? true;
  const stop = new AbortController();
  return new Writable({
    ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    write(chunk: Uint8Array, _encoding, callback): void {
      ring.writeAsync(chunk, { whole, signal: stop.signal }).then(() => callback(), callback);
    },
    final(callback): void {
      try {
        if (shutdownOnFinish) ring.shutdown();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    destroy(error, callback): void {
      stop.abort(error ?? new Error('ringWritable destroyed'));
      callback(error);
    },
  });
}
