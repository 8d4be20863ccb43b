/**
 * postMessage consumer of the one-way benchmark, and the driver of its side:
 * per round it tells the producer how many 64-byte messages to send, starts
 * the clock, and stops it when the last one has arrived. With
 * `workerData.batch` > 1 each postMessage carries that many 64-byte
 * messages back to back in one Uint8Array.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { driveAsync, reportReady, type RoundResult } from './driver.js';

const FIRST_BURST = 5_000;
const MIN_BURST = 1_000;
// Queued postMessages are unbounded: cap a burst so a fast round cannot pile up hundreds of MB.
const MAX_BURST = 2_000_000;

const { port, batch = 1, control: buffer } = workerData as { port: MessagePort; batch?: number; control: SharedArrayBuffer };
const control = controlOf(buffer);
const words = control.words;

let onPayload: ((payload: Uint8Array) => void) | undefined;
port.on('message', (payload: Uint8Array) => onPayload!(payload));

let burst = 0;
let rate = 0;

function consumeRound(budgetMs: number): Promise<RoundResult> {
  const unrounded = rate === 0 ? FIRST_BURST : Math.min(MAX_BURST, Math.max(MIN_BURST, Math.round((rate * budgetMs) / 1000)));
  const n = Math.ceil(unrounded / batch) * batch;
  return new Promise((resolve, reject) => {
    let received = 0;
    let start = 0;
    onPayload = (payload) => {
      if (payload.byteLength % 64 !== 0 || payload[0] !== (received & 0xff)) {
        return reject(new Error(`bench: message ${received} arrived wrong (${payload.byteLength} bytes, first byte ${payload[0]})`));
      }
      received += payload.byteLength / 64;
      if (received >= n) {
        const elapsed = performance.now() - start;
        onPayload = undefined;
        rate = n / (elapsed / 1000);
        resolve({ value: rate, ops: n });
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
