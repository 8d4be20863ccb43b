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
import { batchedSender } from './batches.js';

function sendOneByOne(port: Port, m: Message, n: number): void {
  for (let i = 0; i < n; i++) {
    m.setU32(0, i);
    port.send(m);
  }
}

const task = attach();
const { path, batch = 1, control: buffer } = task.data as { path: string; batch?: number; control: SharedArrayBuffer };
const control = controlOf(buffer);
const port = connectWhenBound(task, path);
let sendBurst: (n: number) => void;
if (batch > 1) {
  sendBurst = batchedSender(port, batch);
} else {
  const m = Message.of(REQUEST_TYPE);
  sendBurst = (n) => sendOneByOne(port, m, n);
}
reportReady(control);
serveBursts(control, sendBurst);
