/**
 * kipc writer task of the ring-stream benchmark: holds a handle to the ring
 * granted by init and, on each go from the reader, writes the requested
 * number of 64 KiB chunks to its stream (`ring.write`), reusing one source
 * buffer it stamps per chunk (chunks.ts).
 *
 * Not `whole`: a single writer has nothing to be interleaved with, and a
 * whole write that waits while the ring has some room but less than the
 * write never sleeps (the kernel's wake-up check sees room and returns at
 * once), so the writer would burn its core waiting. A ring of 1 MiB holds
 * 15 chunks and 65535 bytes (its capacity is its size - 1), so that is
 * every wait. Written as room frees up, a chunk goes in as one or two
 * pieces and the writer sleeps when the ring is full.
 */
import { attach, type Ring } from '../../src/index.js';
import { controlOf } from '../control.js';
import { type GrantData, grantedHandles } from '../grants.js';
import { reportReady } from './driver.js';
import { serveBursts } from './bursts.js';
import { CHUNK_BYTES, stampChunk } from './chunks.js';

function writeChunks(ring: Ring, chunk: Uint8Array, n: number): void {
  for (let k = 0; k < n; k++) {
    stampChunk(chunk, k);
    ring.write(chunk);
  }
}

const task = attach();
const data = task.data as GrantData & { control: SharedArrayBuffer };
const control = controlOf(data.control);
const [handle] = grantedHandles(data);
const ring = task.ring(handle!);
const chunk = new Uint8Array(CHUNK_BYTES);
reportReady(control);
serveBursts(control, (n) => writeChunks(ring, chunk, n));
