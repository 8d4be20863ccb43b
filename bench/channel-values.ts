/**
 * Benchmark 7: values through a channel, one producer task → one consumer
 * task: a 10-field object (numbers, strings, a nested array, a Date;
 * workers/values.ts), every one encoded by the sender and decoded by the
 * receiver. The codec decides much of this one: node:v8's serialize costs
 * two to three times the clone postMessage does inside, so kipc uses its
 * default codec, msgpack (msgpackr with records), which both ends find
 * from the channel.
 *
 * - kipc: a channel with `codec: 'msgpack'` and `maxBytes`
 *   VALUE_MAX_BYTES, ends granted to the two tasks as in channel.ts.
 * - alternative: postMessage of the same object over a MessageChannel.
 */
import { CHANNEL_CAPACITY } from './channel.js';
import { type Benchmark, openBoth } from './harness.js';
import { openKipcTasks } from './kipc-side.js';
import { openPostMessagePairs } from './pm-side.js';
import { VALUE_MAX_BYTES } from './workers/values.js';

export const channelValues: Benchmark = {
  name: 'channel-values',
  title: 'channel of values (10-field object), 1 producer task → 1 consumer task',
  unit: 'msg/s',
  targets: [{ kind: 'speedup', value: 3 }],
  open: () =>
    openBoth(
      () =>
        openKipcTasks(
          `sender.send → receiver.receive, codec 'msgpack', maxBytes ${VALUE_MAX_BYTES}, capacity ${CHANNEL_CAPACITY}, worker → worker`,
          (init) => {
            const { sender, receiver } = init.createChannel({ capacity: CHANNEL_CAPACITY, maxBytes: VALUE_MAX_BYTES, codec: 'msgpack' });
            return [sender, receiver];
          },
          [
            { name: 'consumer', module: 'kipc-channel-consumer', grants: [1], data: { values: true } },
            { name: 'producer', module: 'kipc-channel-producer', grants: [0], data: { values: true } },
          ],
        ),
      () => openPostMessagePairs('postMessage of the object over a MessageChannel, worker → worker', { consumer: 'pm-value-consumer', producer: 'pm-value-producer' }),
    ),
};
