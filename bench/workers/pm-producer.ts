/**
 * postMessage producer of 64-byte messages (one-way, one-way-batch,
 * channel, channel-4x4): on each go from the consumer, posts its share of
 * the burst on `workerData.port` as Uint8Arrays (structured clone, the
 * ordinary way), one per postMessage or `workerData.batch` back to back per
 * postMessage, the first byte of each its index in the burst (mod 256).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { serveBursts } from './bursts.js';
import { MESSAGE_BYTES } from './message-layout.js';

function postBurst(port: MessagePort, payload: Uint8Array, batch: number, n: number): void {
  for (let i = 0; i < n; i += batch) {
    payload[0] = i & 0xff;
    port.postMessage(payload);
  }
}

const { port, batch = 1, control: buffer } = workerData as { port: MessagePort; batch?: number; control: SharedArrayBuffer };
const control = controlOf(buffer);
reportReady(control);
const payload = new Uint8Array(MESSAGE_BYTES * batch);
serveBursts(control, (n) => postBurst(port, payload, batch, n));
port.close();
