/**
 * postMessage producer of the ring-stream benchmark: on each go from the
 * consumer, posts the requested number of 64 KiB chunks on
 * `workerData.port`, each a new ArrayBuffer (a transferred one is gone from
 * this thread) stamped as in chunks.ts and moved with a transfer list, so
 * nothing is copied. At most RING_BYTES of chunks are in flight: the
 * producer waits for the consumer's count in `workerData.window`, as kipc's
 * writer waits for room in its ring (and the queue stays a few MB).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { serveBursts } from './bursts.js';
import { CHUNK_BYTES, RING_CHUNKS, stampChunk } from './chunks.js';

const { port, window, control: buffer } = workerData as { port: MessagePort; window: SharedArrayBuffer; control: SharedArrayBuffer };
const control = controlOf(buffer);
/** Word 0: chunks the consumer has received so far in the run. */
const received = new Int32Array(window);
let sent = 0;

function postBurst(n: number): void {
  for (let k = 0; k < n; k++) {
    for (let got = Atomics.load(received, 0); sent - got >= RING_CHUNKS; got = Atomics.load(received, 0)) Atomics.wait(received, 0, got);
    const chunk = new Uint8Array(CHUNK_BYTES);
    stampChunk(chunk, k);
    port.postMessage(chunk, [chunk.buffer]);
    sent++;
  }
}

reportReady(control);
serveBursts(control, postBurst);
port.close();
