/**
 * postMessage producer of the one-way benchmark: on each go from the
 * consumer, posts the requested number of 64-byte messages on
 * `workerData.port` as Uint8Arrays (structured clone, the ordinary way):
 * one per postMessage, or `workerData.batch` back to back per postMessage.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { reportReady } from './driver.js';

function postBurst(port: MessagePort, payload: Uint8Array, batch: number, n: number): void {
  for (let i = 0; i < n; i += batch) {
    payload[0] = i & 0xff;
    port.postMessage(payload);
  }
}

function produce(words: Int32Array, port: MessagePort, batch: number): void {
  const payload = new Uint8Array(64 * batch);
  let seen = 0;
  for (;;) {
    Atomics.wait(words, C_PEER_GO, seen);
    seen = Atomics.load(words, C_PEER_GO);
    if (seen < 0) return;
    postBurst(port, payload, batch, Atomics.load(words, C_PEER_COUNT));
  }
}

const { port, batch = 1, control: buffer } = workerData as { port: MessagePort; batch?: number; control: SharedArrayBuffer };
const control = controlOf(buffer);
reportReady(control);
produce(control.words, port, batch);
port.close();
