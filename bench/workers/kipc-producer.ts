/**
 * kipc producer task of the one-way benchmark: on each go from the consumer,
 * sends the requested number of 64-byte messages (payload u32[0] = index in
 * the burst): one port.send per message reusing one Message, or, with
 * `data.batch` > 1, port.sendMany of up to that many at a time.
 */
import { attach, Message, type Port } from '../../src/index.js';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { serveBursts } from './bursts.js';
import { connectWhenBound, REQUEST_TYPE } from './kipc-common.js';
import { MESSAGE_WORDS, SEQUENCE_WORD, TYPE_WORD } from './message-layout.js';

function sendOneByOne(port: Port, m: Message, n: number): void {
  for (let i = 0; i < n; i++) {
    m.setU32(0, i);
    port.send(m);
  }
}

function sendBatched(port: Port, buffer: Uint8Array, words: Int32Array, batch: number, n: number): void {
  let sent = 0;
  while (sent < n) {
    const count = Math.min(batch, n - sent);
    for (let k = 0; k < count; k++) words[k * MESSAGE_WORDS + SEQUENCE_WORD] = sent + k;
    sent += port.sendMany(buffer, count);
  }
}

const task = attach();
const { path, batch = 1, control: buffer } = task.data as { path: string; batch?: number; control: SharedArrayBuffer };
const control = controlOf(buffer);
const port = connectWhenBound(task, path);
let sendBurst: (n: number) => void;
if (batch > 1) {
  const batchBuffer = Message.batch(batch);
  const batchWords = new Int32Array(batchBuffer.buffer);
  for (let k = 0; k < batch; k++) batchWords[k * MESSAGE_WORDS + TYPE_WORD] = REQUEST_TYPE;
  sendBurst = (n) => sendBatched(port, batchBuffer, batchWords, batch, n);
} else {
  const m = Message.of(REQUEST_TYPE);
  sendBurst = (n) => sendOneByOne(port, m, n);
}
reportReady(control);
serveBursts(control, sendBurst);
