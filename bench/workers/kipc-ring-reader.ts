/**
 * kipc reader task of the ring-stream benchmark, and the driver of its
 * side: per round it tells the writer how many 64 KiB chunks to write,
 * starts the clock, and reads the stream (`ring.read` into one 64 KiB
 * buffer, whatever each read returns) until it has all their bytes,
 * checking every chunk's stamps. Reports GB/s of stream bytes.
 */
import { attach, type Ring } from '../../src/index.js';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { type GrantData, grantedHandles } from '../grants.js';
import { driveSync, reportReady, type RoundResult } from './driver.js';
import { burstSize } from './burst-size.js';
import { ChunkChecker, CHUNK_BYTES } from './chunks.js';

/** Chunks per burst (500 chunks are 33 MB). */
const LIMITS = { first: 500, min: 100, max: 200_000 };

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
const words = control.words;
const [handle] = grantedHandles(data);
const ring = task.ring(handle!);
const into = new Uint8Array(CHUNK_BYTES);
let burst = 0;
let rate = 0;

function round(budgetMs: number): RoundResult {
  const n = burstSize(rate, budgetMs, LIMITS);
  Atomics.store(words, C_PEER_COUNT, n);
  const start = performance.now();
  Atomics.store(words, C_PEER_GO, ++burst);
  Atomics.notify(words, C_PEER_GO);
  readBurst(ring, into, n * CHUNK_BYTES);
  const seconds = (performance.now() - start) / 1000;
  rate = n / seconds;
  return { value: (n * CHUNK_BYTES) / seconds / 1e9, ops: n };
}

reportReady(control);
driveSync(control, round);
Atomics.store(words, C_PEER_GO, -1);
Atomics.notify(words, C_PEER_GO);
