/**
 * The ceiling of the ring-stream benchmark, in one worker: each 64 KiB
 * chunk copied twice with Uint8Array.set, into a buffer of the kipc ring's
 * size at the next position round it, then out of it into a 64 KiB buffer:
 * the two copies a kipc ring stream makes (writer → ring, ring → reader),
 * with no kernel, lock, wake-up or second thread. Time-boxed rounds report
 * GB/s of chunk bytes (each byte counted once, as for the stream) of the
 * round's fastest pass round the buffer: a limit, which a pass that lost
 * the core to another thread half-way would only hide (on a busy machine
 * the round's average falls with the thread's share of a core).
 */
import { workerData } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { driveSync, reportReady, type RoundResult } from './driver.js';
import { CHUNK_BYTES, checkChunk, RING_BYTES, RING_CHUNKS, stampChunk } from './chunks.js';

const { control: buffer } = workerData as { control: SharedArrayBuffer };
const control = controlOf(buffer);
const source = new Uint8Array(CHUNK_BYTES);
const ring = new Uint8Array(RING_BYTES);
const slots = Array.from({ length: RING_CHUNKS }, (_, i) => ring.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
const destination = new Uint8Array(CHUNK_BYTES);

function copyRound(budgetMs: number): RoundResult {
  let k = 0;
  let fastestMs = Infinity;
  const start = performance.now();
  let passStart = start;
  for (;;) {
    for (let i = 0; i < RING_CHUNKS; i++, k++) {
      stampChunk(source, k);
      slots[i]!.set(source);
      destination.set(slots[i]!);
      checkChunk(destination, k);
    }
    const now = performance.now();
    fastestMs = Math.min(fastestMs, now - passStart);
    passStart = now;
    if (now - start >= budgetMs) break;
  }
  return { value: RING_BYTES / (fastestMs / 1000) / 1e9, ops: k };
}

reportReady(control);
driveSync(control, copyRound);
