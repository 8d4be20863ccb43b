/**
 * postMessage consumer of the ring-stream benchmark, and the driver of its
 * side: per round it tells the producer how many 64 KiB chunks to post,
 * starts the clock, and stops it when the last one has arrived. Every chunk
 * is checked, and counted in `workerData.window` for the producer. Reports
 * GB/s.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { driveAsync, reportReady, type RoundResult } from './driver.js';
import { burstSize } from './burst-size.js';
import { CHUNK_BYTES, checkChunk } from './chunks.js';

const LIMITS = { first: 500, min: 100, max: 200_000 };

const { port, window, control: buffer } = workerData as { port: MessagePort; window: SharedArrayBuffer; control: SharedArrayBuffer };
const control = controlOf(buffer);
const words = control.words;
const received = new Int32Array(window);

let onChunk: ((chunk: Uint8Array) => void) | undefined;
port.on('message', (chunk: Uint8Array) => onChunk!(chunk));

let burst = 0;
let rate = 0;

function consumeRound(budgetMs: number): Promise<RoundResult> {
  const n = burstSize(rate, budgetMs, LIMITS);
  return new Promise((resolve, reject) => {
    let k = 0;
    let start = 0;
    onChunk = (chunk) => {
      try {
        checkChunk(chunk, k);
      } catch (error) {
        return reject(error);
      }
      Atomics.add(received, 0, 1);
      Atomics.notify(received, 0);
      if (++k === n) {
        const seconds = (performance.now() - start) / 1000;
        onChunk = undefined;
        rate = n / seconds;
        resolve({ value: (n * CHUNK_BYTES) / seconds / 1e9, ops: n });
      }
    };
    Atomics.store(words, C_PEER_COUNT, n);
    start = performance.now();
    Atomics.store(words, C_PEER_GO, ++burst);
    Atomics.notify(words, C_PEER_GO);
  });
}

reportReady(control);
await driveAsync(control, consumeRound);
Atomics.store(words, C_PEER_GO, -1);
Atomics.notify(words, C_PEER_GO);
port.close();
