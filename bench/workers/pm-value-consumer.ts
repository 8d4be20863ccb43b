/**
 * postMessage consumer of the channel-values benchmark, and the driver of
 * its side: its rounds are timed bursts of values (pm-rounds.ts), every one
 * checked (values.ts).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { POSTED_VALUE_BURSTS } from './bursts.js';
import { drivePostedBursts } from './pm-rounds.js';
import { type BenchValue, checkValue } from './values.js';

function takeValue(value: BenchValue, received: number): number {
  checkValue(value, received);
  return 1;
}

const { port, control: buffer } = workerData as { port: MessagePort; control: SharedArrayBuffer };
const control = controlOf(buffer);
reportReady(control);
await drivePostedBursts(port, control, POSTED_VALUE_BURSTS, takeValue);
