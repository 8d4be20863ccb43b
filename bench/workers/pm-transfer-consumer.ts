/**
 * postMessage consumer of the ring-stream benchmark, and the driver of its
 * side: its rounds are timed bursts of 64 KiB chunks (pm-rounds.ts),
 * reported in GB/s. Every chunk is checked (chunks.ts), and counted in
 * `workerData.window` for the producer, which keeps at most a ring's worth
 * in flight.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { CHUNK_BURSTS } from './bursts.js';
import { drivePostedBursts } from './pm-rounds.js';
import { CHUNK_BYTES, checkChunk } from './chunks.js';

const { port, window, control: buffer } = workerData as { port: MessagePort; window: SharedArrayBuffer; control: SharedArrayBuffer };
/** Word 0: chunks received so far in the run (the producer waits on it). */
const received = new Int32Array(window);

function takeChunk(chunk: Uint8Array, k: number): number {
  checkChunk(chunk, k);
  Atomics.add(received, 0, 1);
  Atomics.notify(received, 0);
  return 1;
}

const control = controlOf(buffer);
reportReady(control);
await drivePostedBursts(port, control, CHUNK_BURSTS, takeChunk, { bytesPerItem: CHUNK_BYTES });
