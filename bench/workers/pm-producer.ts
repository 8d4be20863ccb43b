/**
 * postMessage producer of the one-way benchmark: on each go from the
 * consumer, posts the requested number of 64-byte Uint8Array payloads
 * (structured clone, the ordinary way) on `workerData.port`.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { reportReady } from './driver.js';

function postBurst(port: MessagePort, payload: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) {
    payload[0] = i & 0xff;
    port.postMessage(payload);
  }
}

function produce(words: Int32Array, port: MessagePort): void {
  const payload = new Uint8Array(64);
  let seen = 0;
  for (;;) {
    Atomics.wait(words, C_PEER_GO, seen);
    seen = Atomics.load(words, C_PEER_GO);
    if (seen < 0) return;
    postBurst(port, payload, Atomics.load(words, C_PEER_COUNT));
  }
}

const { port, control: buffer } = workerData as { port: MessagePort; control: SharedArrayBuffer };
const control = controlOf(buffer);
reportReady(control);
produce(control.words, port);
port.close();
