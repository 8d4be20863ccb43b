/**
 * postMessage caller of the page benchmarks, and the driver of its side:
 * per round, for the round's time budget, posts 1 MiB to the echo worker at
 * the other end of `workerData.port` and waits for its answer, in
 * `workerData.mode`:
 *
 * - transfer: one 1 MiB ArrayBuffer goes with a transfer list (detached
 *   here, nothing copied) and comes back the same way, so the round trip
 *   moves the buffer there and back;
 * - clone: a 1 MiB Uint8Array posted without a transfer list, so structured
 *   clone copies it; the echo answers with a number (its ack).
 *
 * The pages are stamped and checked as in kipc-pages-common.ts. Reports
 * GB/s counting 1 MiB per round trip, like the kipc sender.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { driveAsync, reportReady, type RoundResult } from './driver.js';
import { checkAnswer, gigabytesPerSecond, type PostMode, stampPages, TRANSFER_BYTES } from './kipc-pages-common.js';

const { port, mode, control: buffer } = workerData as { port: MessagePort; mode: PostMode; control: SharedArrayBuffer };
const control = controlOf(buffer);

/** transfer: the buffer while it is here (it comes back as a new ArrayBuffer object). clone: the one this worker keeps. */
let pagesBuffer = new ArrayBuffer(TRANSFER_BYTES);
const kept = new Uint8Array(pagesBuffer);
let seq = 0;
let onAnswer: ((message: ArrayBuffer | number) => void) | undefined;
port.on('message', (message: ArrayBuffer | number) => onAnswer!(message));

function post(): void {
  stampPages(new Int32Array(pagesBuffer), seq);
  if (mode === 'transfer') port.postMessage(pagesBuffer, [pagesBuffer]);
  else port.postMessage(kept);
}

function timeRoundTrips(budgetMs: number): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const start = performance.now();
    onAnswer = (message) => {
      try {
        if (mode === 'transfer') {
          pagesBuffer = message as ArrayBuffer;
          checkAnswer('word 1 of the buffer transferred back', new Int32Array(pagesBuffer, 0, 2)[1]!, seq + 1);
        } else {
          checkAnswer('the ack', message as number, seq + 1);
          checkAnswer('word 1 of the buffer here', new Int32Array(pagesBuffer, 0, 2)[1]!, 0);
        }
      } catch (error) {
        reject(error);
        return;
      }
      seq++;
      n++;
      const elapsed = performance.now() - start;
      if (elapsed >= budgetMs) {
        onAnswer = undefined;
        resolve({ value: gigabytesPerSecond(n, elapsed), ops: n });
        return;
      }
      post();
    };
    post();
  });
}

reportReady(control);
await driveAsync(control, timeRoundTrips);
port.postMessage(-1);
port.close();
