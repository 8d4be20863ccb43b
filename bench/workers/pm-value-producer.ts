/**
 * postMessage producer of the channel-values benchmark: on each go from the
 * consumer, posts the requested number of copies of the structured value of
 * values.ts (reused, `seq` = index in the burst) on `workerData.port`.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { serveBursts } from './bursts.js';
import { type BenchValue, makeValue } from './values.js';

function postBurst(port: MessagePort, value: BenchValue, n: number): void {
  for (let i = 0; i < n; i++) {
    value.seq = i;
    port.postMessage(value);
  }
}

const { port, control: buffer } = workerData as { port: MessagePort; control: SharedArrayBuffer };
const control = controlOf(buffer);
reportReady(control);
const value = makeValue();
serveBursts(control, (n) => postBurst(port, value, n));
port.close();
