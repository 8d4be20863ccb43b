/**
 * The ceiling of the ring-stream benchmark: the same 64 KiB chunks from a
 * writer worker to a reader worker through one shared ring of the kipc
 * ring's size, with no kernel, lock, handle or wake-up
 * (workers/bare-stream.ts). Each chunk is copied twice, as kipc copies it
 * (into the ring, out of it), and each line of it moves between the two
 * cores, so this is what two threads streaming bytes can do on this
 * machine, measured in the same rounds as kipc.
 */
import { CACHE_LINE_WORDS } from '../src/core/layout.js';
import { openWorkerSide, type Side, type WorkerSpec } from './harness.js';
import { RING_BYTES } from './workers/chunks.js';

/**
 * Layout of the bare stream: WRITTEN and READ are the word indices of the
 * count of chunks written and the count read, each on a cache line of its
 * own; BYTES_AT is the byte offset of the RING_BYTES of chunk slots after
 * them, and BYTES the size of the whole buffer in bytes.
 */
export const BARE_STREAM = { WRITTEN: 0, READ: CACHE_LINE_WORDS, BYTES_AT: 2 * CACHE_LINE_WORDS * 4, BYTES: 2 * CACHE_LINE_WORDS * 4 + RING_BYTES } as const;

/** The side: a reader worker, which drives the rounds, and a writer worker, sharing one ring. */
export function openBareStream(): Promise<Side> {
  const ring = new SharedArrayBuffer(BARE_STREAM.BYTES);
  const worker = (role: 'writer' | 'reader'): WorkerSpec => ({ name: `bare-stream ${role}`, module: 'bare-stream', workerData: { role, ring } });
  return openWorkerSide(`bare two-thread stream: Uint8Array.set into a shared ${RING_BYTES >> 20} MiB ring and out, worker → worker, no kernel, no lock`, [worker('reader'), worker('writer')]);
}
