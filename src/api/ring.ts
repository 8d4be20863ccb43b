/**
 * Ring: the typed face of a shared ring (IPC_RING_*): pages of shared
 * memory that every task holding a handle sees as `bytes`, and a byte
 * stream over them run by the kernel, with blocking and async `write` and
 * `read`, for one or many writers and readers.
 *
 * ```ts
 * const ring = task.createRing(64 * 1024);
 * ring.write(new TextEncoder().encode('hello'));
 * ring.shutdown();
 * const into = new Uint8Array(100);
 * const n = ring.read(into); // 5; then 0 at the end of the stream
 * ```
 *
 * Use either `bytes` (your own protocol) or the stream on one ring: the
 * stream keeps its data in those same pages. `bytes` must not be used
 * after the last handle to the ring is closed (the pages go back to the
 * kernel); `close` makes this handle's view empty.
 */
import { EAGAIN } from '../core/errno.js';
import * as ops from '../ops/object-ops.js';
import { blocking, blockingAsync } from '../ops/blocking.js';
import * as handles from '../ops/handle-ops.js';
import { type MessageMemory, MemoryCache, messageMemory } from '../core/copy.js';
import { mapRing } from '../objects/ring/ring.js';
import { ringRead, ringShutdown } from '../objects/ring/stream.js';
import { check } from './errors.js';
import { type AsyncWaitOptions, deadlineOf, Handle, signalOf, type WaitOptions } from './handle.js';
import { bytesArgument, describe, integerArgument, invalidArgument, optionsOf } from './arguments.js';

export interface RingWriteOptions extends WaitOptions {
  /**
   * Land the bytes in one piece, never interleaved with another writer's
   * (at most the ring's capacity, its size - 1). Default: false, the bytes
   * go in as room frees up.
   */
  whole?: boolean;
}
export interface AsyncRingWriteOptions extends AsyncWaitOptions {
  whole?: boolean;
}

/** `options.whole` (read once): a boolean, default false. */
function wholeOf(options: RingWriteOptions | undefined, operation: string): boolean {
  const whole = optionsOf(options, operation)?.whole;
  if (whole === undefined || typeof whole === 'boolean') return whole ?? false;
  throw invalidArgument(operation, `whole must be a boolean, not ${describe(whole)}`);
}

const locationScratch = messageMemory(new Uint8Array(8));

export class Ring extends Handle {
  private view: Uint8Array | undefined;
  private readonly inputs = new MemoryCache();

  /** A second handle to the same ring with the same rights. Needs grant. */
  duplicate(): Ring {
    return new Ring(this.ctx, check(handles.duplicate(this.ctx, this.handle), 'Ring.duplicate'));
  }

  /** The ring's pages, shared with every task that maps it (IPC_RING_MAP). Needs read and write. */
  get bytes(): Uint8Array {
    if (this.view === undefined) {
      const size = check(mapRing(this.ctx, this.handle, locationScratch, 0), 'Ring.bytes');
      const v = new DataView(locationScratch.bytes.buffer);
      const offset = v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
      this.view = this.ctx.r.bytes.subarray(offset, offset + size);
    }
    return this.view;
  }

  /** Size of the ring in bytes (whole pages). */
  get size(): number {
    return this.bytes.length;
  }

  /** `bytes`, checked (a Uint8Array over live memory), as kernel memory: a loop reusing one buffer allocates nothing. */
  private input(bytes: Uint8Array, name: string, operation: string): MessageMemory {
    return this.inputs.of(bytesArgument(bytes, name, operation));
  }

  /**
   * Writes all of `bytes` (a Uint8Array) to the stream, waiting for room as
   * needed. Throws BrokenPipeError after `shutdown` or once the ring is
   * destroyed; TimeoutError leaves part of a non-`whole` write written;
   * InvalidArgumentError (nothing written) when `bytes` is not a Uint8Array
   * or an option is invalid.
   */
  write(bytes: Uint8Array, options?: RingWriteOptions): void {
    const memory = this.input(bytes, 'bytes', 'Ring.write');
    const deadline = deadlineOf(options, 'Ring.write');
    const whole = wholeOf(options, 'Ring.write');
    const length = memory.bytes.length;
    for (let done = 0; done < length; ) {
      done += check(blocking((whole ? ops.RING_WRITE_WHOLE : ops.RING_WRITE_SOME), this.ctx, this.handle, memory, done, length - done, deadline), 'Ring.write');
    }
  }

  async writeAsync(bytes: Uint8Array, options?: AsyncRingWriteOptions): Promise<void> {
    const memory = this.input(bytes, 'bytes', 'Ring.writeAsync');
    const deadline = deadlineOf(options, 'Ring.writeAsync');
    const whole = wholeOf(options, 'Ring.writeAsync');
    const signal = signalOf(options, 'Ring.writeAsync');
    const length = memory.bytes.length;
    for (let done = 0; done < length; ) {
      done += check(await blockingAsync((whole ? ops.RING_WRITE_WHOLE : ops.RING_WRITE_SOME), this.ctx, this.handle, memory, done, length - done, deadline, signal), 'Ring.writeAsync', signal);
    }
  }

  /**
   * Reads what the stream has, up to `into.length` bytes (`into` a
   * Uint8Array), waiting while it is empty. Returns how many bytes were
   * read: 0 at the end of a shut-down stream. Throws BrokenPipeError once
   * the ring is destroyed, InvalidArgumentError when `into` is not a Uint8Array.
   */
  read(into: Uint8Array, options?: WaitOptions): number {
    const memory = this.input(into, 'into', 'Ring.read');
    const deadline = deadlineOf(options, 'Ring.read');
    return check(blocking(ops.RING_READ, this.ctx, this.handle, memory, 0, memory.bytes.length, deadline), 'Ring.read');
  }

  async readAsync(into: Uint8Array, options?: AsyncWaitOptions): Promise<number> {
    const memory = this.input(into, 'into', 'Ring.readAsync');
    const deadline = deadlineOf(options, 'Ring.readAsync');
    const signal = signalOf(options, 'Ring.readAsync');
    return check(await blockingAsync(ops.RING_READ, this.ctx, this.handle, memory, 0, memory.bytes.length, deadline, signal), 'Ring.readAsync', signal);
  }

  /** Reads what is there now; undefined when the stream is empty (0 at its end). */
  tryRead(into: Uint8Array): number | undefined {
    const memory = this.input(into, 'into', 'Ring.tryRead');
    const n = ringRead(this.ctx, this.handle, memory.bytes, 0, memory.bytes.length, false);
    if (n === -EAGAIN) return undefined;
    return check(n, 'Ring.tryRead');
  }

  /** Ends the stream: later writes throw BrokenPipeError; readers drain, then read 0. */
  shutdown(): void {
    check(ringShutdown(this.ctx, this.handle), 'Ring.shutdown');
  }

  /** The stream as a Web ReadableStream of byte chunks (up to `chunkBytes` each); ends with the stream. */
  readableStream(chunkBytes = 64 * 1024): ReadableStream<Uint8Array> {
    integerArgument(chunkBytes, 'chunkBytes', 'Ring.readableStream', 1, 2 ** 30);
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = new Uint8Array(chunkBytes);
        const n = await this.readAsync(chunk);
        if (n === 0) controller.close();
        else controller.enqueue(chunk.subarray(0, n));
      },
    });
  }

  /** The stream as a Web WritableStream of byte chunks; closing it shuts the stream down. */
  writableStream(): WritableStream<Uint8Array> {
    return new WritableStream<Uint8Array>({
      write: (chunk) => this.writeAsync(chunk),
      close: () => this.shutdown(),
    });
  }

  override close(): void {
    this.view = new Uint8Array(0);
    super.close();
  }
}
