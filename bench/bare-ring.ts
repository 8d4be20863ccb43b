/**
 * A third side for the one-way benchmark: the same 64-byte messages between
 * two workers through a bare single-producer single-consumer ring, with no
 * kernel, lock, handle or wake-up (workers/bare-ring.ts). It runs in the
 * same rounds as kipc and postMessage, so kipc's share of it is measured
 * under the same conditions: what this machine allows for one message per
 * cache line moved between cores, and how much of that the kernel costs.
 */
import { CACHE_LINE_WORDS } from '../src/core/layout.js';
import { openWorkerSide, type Side, type WorkerSpec } from './harness.js';
import { MESSAGE_WORDS } from './workers/message-layout.js';

/**
 * Layout of a bare ring of `capacity` messages (kipc's 64-byte layout), in
 * 32-bit words: the tail and the head each on a cache line of their own,
 * then the slots (one more than `capacity`: a full ring keeps one free).
 */
export function bareRingLayout(capacity: number) {
  const SLOTS_AT = 2 * CACHE_LINE_WORDS;
  return { TAIL: 0, HEAD: CACHE_LINE_WORDS, SLOTS_AT, MESSAGE_WORDS, WORDS: SLOTS_AT + (capacity + 1) * MESSAGE_WORDS } as const;
}

/** The side: a consumer worker, which drives the rounds, and a producer worker, sharing a ring of `capacity` messages. */
export function openBareRing(capacity: number): Promise<Side> {
  const ring = new SharedArrayBuffer(bareRingLayout(capacity).WORDS * 4);
  const worker = (role: 'producer' | 'consumer'): WorkerSpec => ({ name: `bare-ring ${role}`, module: 'bare-ring', workerData: { role, ring, capacity } });
  return openWorkerSide(`bare SPSC ring (no kernel, no lock), capacity ${capacity}, worker → worker`, [worker('consumer'), worker('producer')]);
}
