/**
 * kipc producer task of the one-way benchmark: on each go from the consumer,
 * sends the requested number of 64-byte messages (payload u32[0] = index in
 * the burst) with port.send, reusing one message.
 */
import { attach, Message, type Port } from '../../src/index.js';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { connectWhenBound, REQUEST_TYPE } from './kipc-common.js';

function sendBurst(port: Port, m: Message, n: number): void {
  for (let i = 0; i < n; i++) {
    m.setU32(0, i);
    port.send(m);
  }
}

function produce(words: Int32Array, port: Port): void {
  const m = Message.of(REQUEST_TYPE);
  let seen = 0;
  for (;;) {
    Atomics.wait(words, C_PEER_GO, seen);
    seen = Atomics.load(words, C_PEER_GO);
    if (seen < 0) return;
    sendBurst(port, m, Atomics.load(words, C_PEER_COUNT));
  }
}

const task = attach();
const { path, control: buffer } = task.data as { path: string; control: SharedArrayBuffer };
const control = controlOf(buffer);
const port = connectWhenBound(task, path);
reportReady(control);
produce(control.words, port);
