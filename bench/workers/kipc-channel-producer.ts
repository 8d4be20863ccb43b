/**
 * kipc producer task of the channel benchmarks: holds a sender end granted
 * by init and, on each go from the driving consumer, sends the number of
 * values the control block asks of it (bursts.ts): 64-byte messages
 * (payload u32[0] = index in the burst, u32[1] = this producer's index),
 * one `sender.send` per message reusing one Message; or, with
 * `data.values`, the value of values.ts with `seq` = index.
 *
 * With `data.tally` (the 4x4 benchmark, where a consumer cannot know how
 * many messages it will get) the producer that finishes a burst last sends
 * one STOP_TYPE message per consumer after it: the channel is FIFO, so they
 * are the last messages of the burst to be taken, and each consumer stops
 * at its first.
 */
import { attach, type ChannelSender, Message } from '../../src/index.js';
import { controlOf } from '../control.js';
import { type GrantData, grantedHandles } from '../grants.js';
import { reportReady } from './driver.js';
import { serveBursts } from './bursts.js';
import { batchedSender } from './batches.js';
import { REQUEST_TYPE, STOP_TYPE } from './kipc-common.js';
import { type BenchValue, makeValue } from './values.js';
import { T_FINISHED } from './tally.js';

function sendMessages(sender: ChannelSender<Message>, m: Message, n: number): void {
  for (let i = 0; i < n; i++) {
    m.setU32(0, i);
    sender.send(m);
  }
}

function sendValues(sender: ChannelSender<BenchValue>, value: BenchValue, n: number): void {
  for (let i = 0; i < n; i++) {
    value.seq = i;
    sender.send(value);
  }
}

const task = attach();
const data = task.data as GrantData & {
  control: SharedArrayBuffer;
  values?: boolean;
  index?: number;
  producers?: number;
  consumers?: number;
  tally?: SharedArrayBuffer;
  /** Messages per sendMany (one-to-one messages only); 1 or absent: one send each. */
  batch?: number;
};
const { values = false, index = 0, producers = 1, consumers = 1 } = data;
const control = controlOf(data.control);
const [handle] = grantedHandles(data);
let sendBurst: (n: number) => void;
if (values) {
  const sender = task.channelSender<BenchValue>(handle!);
  const value = makeValue();
  sendBurst = (n) => sendValues(sender, value, n);
} else if (data.batch !== undefined && data.batch > 1) {
  sendBurst = batchedSender(task.channelSender(handle!), data.batch);
} else {
  const sender = task.channelSender(handle!);
  const m = Message.of(REQUEST_TYPE).setU32(4, index);
  const stop = Message.of(STOP_TYPE);
  const tally = data.tally && new Int32Array(data.tally);
  sendBurst = (n) => {
    sendMessages(sender, m, n);
    if (tally && Atomics.add(tally, T_FINISHED, 1) % producers === producers - 1) {
      for (let c = 0; c < consumers; c++) sender.send(stop);
    }
  };
}
reportReady(control);
serveBursts(control, sendBurst);
