/**
 * Writer or reader of the bare stream (see ../bare-stream.ts). The writer
 * copies each 64 KiB chunk into the next slot of the ring once the reader
 * has freed it, and publishes it with one Atomics.store of the count of
 * chunks written; the reader copies the chunk out into its own buffer,
 * checks its stamps and frees the slot with one store of the count read.
 * Each side re-reads the other's count only when the ring looks full or
 * empty, and spins meanwhile (it never sleeps). The reader drives the side
 * in timed bursts (bursts.ts) and reports GB/s.
 */
import { workerData } from 'node:worker_threads';
import { BARE_STREAM } from '../bare-stream.js';
import { controlOf } from '../control.js';
import { CHUNK_BURSTS, driveBurstRounds, serveBursts } from './bursts.js';
import { reportReady } from './driver.js';
import { checkChunk, CHUNK_BYTES, RING_CHUNKS, stampChunk } from './chunks.js';

const { role, ring, control: buffer } = workerData as { role: 'writer' | 'reader'; ring: SharedArrayBuffer; control: SharedArrayBuffer };
const w = new Int32Array(ring);
const slots = Array.from({ length: RING_CHUNKS }, (_, i) => new Uint8Array(ring, BARE_STREAM.BYTES_AT + i * CHUNK_BYTES, CHUNK_BYTES));
const own = new Uint8Array(CHUNK_BYTES);

function writeBurst(n: number): void {
  let written = w[BARE_STREAM.WRITTEN]!;
  let read = Atomics.load(w, BARE_STREAM.READ);
  for (let k = 0; k < n; k++) {
    while (written - read === RING_CHUNKS) read = Atomics.load(w, BARE_STREAM.READ);
    stampChunk(own, k);
    slots[written % RING_CHUNKS]!.set(own);
    Atomics.store(w, BARE_STREAM.WRITTEN, ++written);
  }
}

function readBurst(n: number): void {
  let read = w[BARE_STREAM.READ]!;
  let written = Atomics.load(w, BARE_STREAM.WRITTEN);
  for (let k = 0; k < n; k++) {
    while (read === written) written = Atomics.load(w, BARE_STREAM.WRITTEN);
    own.set(slots[read % RING_CHUNKS]!);
    checkChunk(own, k);
    Atomics.store(w, BARE_STREAM.READ, ++read);
  }
}

const control = controlOf(buffer);
reportReady(control);
if (role === 'writer') {
  serveBursts(control, writeBurst);
} else {
  driveBurstRounds(control, CHUNK_BURSTS, readBurst, { bytesPerItem: CHUNK_BYTES });
}
