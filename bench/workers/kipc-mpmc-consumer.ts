/**
 * kipc consumer task of the 4x4 channel benchmark; consumer 0 also drives
 * the side. All consumers hold receiver ends of one channel that all the
 * producers send to, so none knows how many messages of a burst it will
 * get: each receives from the go of a burst until its STOP_TYPE message
 * (see kipc-channel-producer.ts), then adds what it received to the tally
 * and waits for the next go. The driver times each burst (bursts.ts) until
 * every consumer is done, and checks that they received all of it
 * (tally.ts).
 *
 * Every message is checked: a data message from a known producer, whose
 * sequence numbers only grow as this consumer sees them (each consumer takes
 * a subsequence of one FIFO queue).
 */
import { attach, type ChannelReceiver, Message } from '../../src/index.js';
import { controlOf } from '../control.js';
import { type GrantData, grantedHandles } from '../grants.js';
import { reportReady } from './driver.js';
import { driveBurstRounds, serveBursts, SHARED_MESSAGE_BURSTS } from './bursts.js';
import { REQUEST_TYPE, STOP_TYPE } from './kipc-common.js';
import { ConsumersTally, reportBurstDone } from './tally.js';

/** Receives until a stop message; returns how many data messages came before it. */
function receiveUntilStop(receiver: ChannelReceiver<Message>, m: Message, last: Int32Array): number {
  const options = { into: m };
  const producers = last.length;
  last.fill(-1);
  let n = 0;
  for (;;) {
    receiver.receive(options);
    if (m.type === STOP_TYPE) return n;
    const producer = m.getU32(4);
    const seq = m.getU32(0);
    if (m.type !== REQUEST_TYPE || producer >= producers || seq <= last[producer]!) {
      throw new Error(`bench: message (type ${m.type}, producer ${producer}, seq ${seq}) arrived out of order or wrong`);
    }
    last[producer] = seq;
    n++;
  }
}

const task = attach();
const data = task.data as GrantData & { control: SharedArrayBuffer; tally: SharedArrayBuffer; index: number; producers: number; consumers: number };
const { index, producers, consumers } = data;
const control = controlOf(data.control);
const tally = new Int32Array(data.tally);
const [handle] = grantedHandles(data);
const receiver = task.channelReceiver(handle!);
const m = new Message();
const last = new Int32Array(producers);

if (index === 0) {
  const consumersTally = new ConsumersTally(tally, consumers);
  reportReady(control);
  // Dismissing the producers at the end dismisses the other consumers too.
  driveBurstRounds(control, SHARED_MESSAGE_BURSTS, (n) => consumersTally.settleBurst(receiveUntilStop(receiver, m, last), n), { producers });
} else {
  reportReady(control);
  serveBursts(control, () => reportBurstDone(tally, receiveUntilStop(receiver, m, last)));
}
