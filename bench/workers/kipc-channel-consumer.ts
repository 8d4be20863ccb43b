/**
 * kipc consumer task of the 1 → 1 channel benchmarks, and the driver of its
 * side: holds the receiver end granted by init; its rounds are timed bursts
 * (bursts.ts). Receives 64-byte messages with `receiver.receive({ into })`
 * reusing one Message, or, with `data.values`, values (each one
 * decoded, as any receiver of values would). Every message or value is
 * checked to arrive in order and intact.
 */
import { attach, type ChannelReceiver, Message } from '../../src/index.js';
import { controlOf } from '../control.js';
import { type GrantData, grantedHandles } from '../grants.js';
import { reportReady } from './driver.js';
import { driveBurstRounds, SHARED_MESSAGE_BURSTS } from './bursts.js';
import { batchedReceiver } from './batches.js';
import { type BenchValue, checkValue } from './values.js';

function receiveMessages(receiver: ChannelReceiver<Message>, m: Message, n: number): void {
  const options = { into: m };
  for (let i = 0; i < n; i++) {
    receiver.receive(options);
    if (m.getU32(0) !== i) throw new Error(`bench: message ${i} of the burst arrived as ${m.getU32(0)}`);
  }
}

function receiveValues(receiver: ChannelReceiver<BenchValue>, n: number): void {
  for (let i = 0; i < n; i++) checkValue(receiver.receive(), i);
}

const task = attach();
/** `batch` > 1: receiveMany of up to that many messages per call. */
const data = task.data as GrantData & { control: SharedArrayBuffer; values?: boolean; batch?: number };
const control = controlOf(data.control);
const [handle] = grantedHandles(data);
let receiveBurst: (n: number) => void;
if (data.values) {
  const receiver = task.channelReceiver<BenchValue>(handle!);
  receiveBurst = (n) => receiveValues(receiver, n);
} else if (data.batch !== undefined && data.batch > 1) {
  receiveBurst = batchedReceiver(task.channelReceiver(handle!), data.batch);
} else {
  const receiver = task.channelReceiver(handle!);
  const m = new Message();
  receiveBurst = (n) => receiveMessages(receiver, m, n);
}
reportReady(control);
driveBurstRounds(control, SHARED_MESSAGE_BURSTS, receiveBurst);
