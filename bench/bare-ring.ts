/**
 * A third side for the one-way benchmark: the same 64-byte messages between
 * two workers through a bare single-producer single-consumer ring, with no
 * kernel, lock, handle or wake-up (workers/bare-ring.ts). It runs in the
 * same rounds as kipc and postMessage, so kipc's share of it is measured
 * under the same conditions: what this machine allows for one message per
 * cache line moved between cores, and how much of that the kernel costs.
 */
import { Worker } from 'node:worker_threads';
import { createControl } from './control.js';
import { DrivenSide, Failure, type Side, stopWorker, workerUrl } from './harness.js';

/**
 * Layout of a bare ring of `capacity` messages, in 32-bit words: the tail
 * and the head each on a cache line of their own, then the slots.
 */
export function bareRingLayout(capacity: number) {
  const MESSAGE_WORDS = 16;
  const SLOTS_AT = 32;
  return { TAIL: 0, HEAD: 16, SLOTS_AT, MESSAGE_WORDS, WORDS: SLOTS_AT + (capacity + 1) * MESSAGE_WORDS } as const;
}

export async function openBareRing(capacity: number): Promise<Side> {
  const control = createControl();
  const failure = new Failure();
  const ring = new SharedArrayBuffer(bareRingLayout(capacity).WORDS * 4);
  const start = (role: 'producer' | 'consumer'): Worker => {
    const worker = new Worker(workerUrl('bare-ring'), { workerData: { role, ring, capacity, control: control.buffer } });
    failure.watchWorker(worker, `bare-ring ${role}`);
    return worker;
  };
  const consumer = start('consumer');
  const producer = start('producer');
  const side = new DrivenSide(`bare SPSC ring (no kernel, no lock), capacity ${capacity}, worker → worker`, control, failure, async () => {
    await Promise.all([stopWorker(consumer), stopWorker(producer)]);
  });
  try {
    await side.ready(2);
  } catch (error) {
    await side.close();
    throw error;
  }
  return side;
}
