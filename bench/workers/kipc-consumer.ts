/**
 * kipc consumer task of the one-way benchmark, and the driver of its side.
 * Owns a port of `data.capacity` messages bound at `data.path`; its rounds
 * are timed bursts (bursts.ts).
 *
 * With `data.batch` > 1 it receives with port.receiveMany, up to that many
 * messages per kernel entry; otherwise one port.receive per message.
 * Either way every message is checked to arrive in order.
 */
import { attach, Message, type Port } from '../../src/index.js';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { driveBurstRounds, SHARED_MESSAGE_BURSTS } from './bursts.js';
import { batchedReceiver } from './batches.js';

function receiveOneByOne(port: Port, m: Message, n: number): void {
  const options = { into: m };
  for (let i = 0; i < n; i++) {
    port.receive(options);
    if (m.getU32(0) !== i) throw new Error(`bench: message ${i} of the burst arrived as ${m.getU32(0)}`);
  }
}

const task = attach();
const { path, capacity, batch = 1, control: buffer } = task.data as { path: string; capacity: number; batch?: number; control: SharedArrayBuffer };
const control = controlOf(buffer);
const port = task.createPort({ capacity });
port.bind(path);
let receiveBurst: (n: number) => void;
if (batch > 1) {
  receiveBurst = batchedReceiver(port, batch);
} else {
  const m = new Message();
  receiveBurst = (n) => receiveOneByOne(port, m, n);
}
reportReady(control);
driveBurstRounds(control, SHARED_MESSAGE_BURSTS, receiveBurst);
