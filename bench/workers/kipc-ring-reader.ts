/**
 * kipc reader task of the ring-stream benchmark, and the driver of its
 * side: its rounds are timed bursts of 64 KiB chunks (bursts.ts), each read
 * from the stream (`ring.read` into one 64 KiB buffer, whatever each read
 * returns) until it has all their bytes, checking every chunk's stamps.
 * Reports GB/s of stream bytes.
 */
import { attach, type Ring } from '../../src/index.js';
import { controlOf } from '../control.js';
import { type GrantData, grantedHandles } from '../grants.js';
import { reportReady } from './driver.js';
import { CHUNK_BURSTS, driveBurstRounds } from './bursts.js';
import { ChunkChecker, CHUNK_BYTES } from './chunks.js';

function readBurst(ring: Ring, into: Uint8Array, bytes: number): void {
  const checker = new ChunkChecker();
  while (checker.position < bytes) {
    const n = ring.read(into);
    if (n === 0) throw new Error(`bench: the stream ended ${bytes - checker.position} bytes before the end of the burst`);
    checker.check(into, n);
  }
  if (checker.position !== bytes) throw new Error(`bench: read ${checker.position} bytes in a burst of ${bytes}`);
}

const task = attach();
const data = task.data as GrantData & { control: SharedArrayBuffer };
const control = controlOf(data.control);
const [handle] = grantedHandles(data);
const ring = task.ring(handle!);
const into = new Uint8Array(CHUNK_BYTES);
reportReady(control);
driveBurstRounds(control, CHUNK_BURSTS, (n) => readBurst(ring, into, n * CHUNK_BYTES), { bytesPerItem: CHUNK_BYTES });
