/**
 * postMessage consumer of the channel-values benchmark, and the driver of
 * its side: per round it tells the producer how many values to post, starts
 * the clock, and stops it when the last one has arrived. Every value is
 * checked (values.ts).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { driveAsync, reportReady, type RoundResult } from './driver.js';
import { burstSize } from './burst-size.js';
import { type BenchValue, checkValue } from './values.js';

// Queued postMessages are unbounded: cap a burst so a fast round cannot pile up hundreds of MB.
const LIMITS = { first: 5_000, min: 1_000, max: 500_000 };

const { port, control: buffer } = workerData as { port: MessagePort; control: SharedArrayBuffer };
const control = controlOf(buffer);
const words = control.words;

let onValue: ((value: BenchValue) => void) | undefined;
port.on('message', (value: BenchValue) => onValue!(value));

let burst = 0;
let rate = 0;

function consumeRound(budgetMs: number): Promise<RoundResult> {
  const n = burstSize(rate, budgetMs, LIMITS);
  return new Promise((resolve, reject) => {
    let received = 0;
    let start = 0;
    onValue = (value) => {
      try {
        checkValue(value, received);
      } catch (error) {
        return reject(error);
      }
      if (++received === n) {
        const elapsed = performance.now() - start;
        onValue = undefined;
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
