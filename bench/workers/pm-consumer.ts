/**
 * postMessage consumer of 64-byte messages (one-way, one-way-batch,
 * channel, channel-4x4): its rounds are timed bursts (pm-rounds.ts), and
 * every message is checked to arrive in order (its first byte is its index
 * in the burst, mod 256, as pm-producer.ts stamps it). With
 * `workerData.batch` > 1 each postMessage carries that many messages back
 * to back in one Uint8Array.
 *
 * Alone, it drives its side. With `workerData.tally` it is consumer `index`
 * of `pairs` producer → consumer pairs (channel-4x4): consumer 0 drives,
 * asking each producer for an equal share of the burst and timing it until
 * every consumer has its share (tally.ts); the others count their shares.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { POSTED_MESSAGE_BURSTS } from './bursts.js';
import { MESSAGE_BYTES } from './message-layout.js';
import { drivePostedBursts, followPostedBursts } from './pm-rounds.js';
import { ConsumersTally, reportBurstDone } from './tally.js';

const {
  port,
  batch = 1,
  index = 0,
  pairs = 1,
  tally: tallyBuffer,
  control: buffer,
} = workerData as { port: MessagePort; batch?: number; index?: number; pairs?: number; tally?: SharedArrayBuffer; control: SharedArrayBuffer };

function takeMessages(payload: Uint8Array, received: number): number {
  if (payload.byteLength !== MESSAGE_BYTES * batch || payload[0] !== (received & 0xff)) {
    throw new Error(`bench: message ${received} arrived wrong (${payload.byteLength} bytes, first byte ${payload[0]})`);
  }
  return batch;
}

const control = controlOf(buffer);
reportReady(control);
if (tallyBuffer === undefined) {
  await drivePostedBursts(port, control, POSTED_MESSAGE_BURSTS, takeMessages, { multiple: batch });
} else if (index === 0) {
  const consumersTally = new ConsumersTally(new Int32Array(tallyBuffer), pairs);
  await drivePostedBursts(port, control, POSTED_MESSAGE_BURSTS, takeMessages, {
    producers: pairs,
    afterShare: (mine, n) => consumersTally.settleBurst(mine, n),
  });
} else {
  const tally = new Int32Array(tallyBuffer);
  followPostedBursts(port, control, takeMessages, (mine) => reportBurstDone(tally, mine));
}
