/**
 * postMessage consumer of the 4x4 channel benchmark: one of four producer →
 * consumer pairs, each joined by a MessageChannel (pm-producer.ts is the
 * producer); consumer 0 also drives the side. Per round the driver asks
 * each producer for the same share of the burst, and times it until every
 * consumer has received its share (counted in the tally). Each message is
 * checked to arrive in order, as in pm-consumer.ts.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { driveAsync, reportReady, type RoundResult } from './driver.js';
import { burstSize } from './burst-size.js';
import { awaitBurstDone, reportBurstDone } from './tally.js';

// Queued postMessages are unbounded: cap a burst (as pm-consumer.ts does) so a fast round cannot pile up hundreds of MB.
const LIMITS = { first: 5_000, min: 1_000, max: 2_000_000 };

const { port, index, pairs, tally: tallyBuffer, control: buffer } = workerData as {
  port: MessagePort;
  index: number;
  pairs: number;
  tally: SharedArrayBuffer;
  control: SharedArrayBuffer;
};
const control = controlOf(buffer);
const words = control.words;
const tally = new Int32Array(tallyBuffer);

let received = 0;
let share = 0;
/** Called once this consumer has its share of the burst. */
let onShare: () => void = () => reportBurstDone(tally, share);

port.on('message', (payload: Uint8Array) => {
  if (received === 0) share = Atomics.load(words, C_PEER_COUNT);
  if (payload.byteLength !== 64 || payload[0] !== (received & 0xff)) {
    throw new Error(`bench: message ${received} arrived wrong (${payload.byteLength} bytes, first byte ${payload[0]})`);
  }
  if (++received === share) {
    received = 0;
    onShare();
  }
});

reportReady(control);
if (index === 0) {
  let burst = 0;
  let expected = 0;
  let rate = 0;
  const consumeRound = (budgetMs: number): Promise<RoundResult> => {
    const n = burstSize(rate, budgetMs, LIMITS, pairs);
    return new Promise((resolve) => {
      let start = 0;
      onShare = () => {
        reportBurstDone(tally, n / pairs);
        expected += n;
        // This consumer's port has nothing more this burst: waiting here blocks nothing.
        awaitBurstDone(tally, pairs, burst, expected);
        rate = n / ((performance.now() - start) / 1000);
        resolve({ value: rate, ops: n });
      };
      Atomics.store(words, C_PEER_COUNT, n / pairs);
      start = performance.now();
      Atomics.store(words, C_PEER_GO, ++burst);
      Atomics.notify(words, C_PEER_GO);
    });
  };
  await driveAsync(control, consumeRound);
  // Dismisses the producers; the other consumers leave when their ports close.
  Atomics.store(words, C_PEER_GO, -1);
  Atomics.notify(words, C_PEER_GO);
  port.close();
}
