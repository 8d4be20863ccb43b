/**
 * postMessage client of the worker → worker round trip: per round, ping-pongs
 * a number with the echo worker at the other end of `workerData.port` for the
 * round's time budget and reports µs per round trip. A number is the cheapest
 * thing postMessage can carry, so this is the alternative at its best.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { driveAsync, reportReady, type RoundResult } from './driver.js';

const { port, control: buffer } = workerData as { port: MessagePort; control: SharedArrayBuffer };
const control = controlOf(buffer);

let onReply: ((value: number) => void) | undefined;
port.on('message', (value: number) => onReply!(value));

function pingPongRound(budgetMs: number): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const start = performance.now();
    onReply = (value) => {
      if (value !== n + 1) return reject(new Error(`bench: echo answered ${value} to ${n}`));
      n++;
      if ((n & 15) === 0) {
        const elapsed = performance.now() - start;
        if (elapsed >= budgetMs) {
          onReply = undefined;
          resolve({ value: (elapsed * 1000) / n, ops: n });
          return;
        }
      }
      port.postMessage(n);
    };
    port.postMessage(0);
  });
}

reportReady(control);
await driveAsync(control, pingPongRound);
port.postMessage(-1);
port.close();
