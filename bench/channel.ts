/**
 * Benchmark 5: channel throughput of 64-byte messages from one producer task
 * to one consumer task, measured until the consumer has received the whole
 * burst (the one-way benchmark's rounds, through a channel instead of a
 * port).
 *
 * - kipc: init creates a channel of CHANNEL_CAPACITY messages, grants its
 *   sender end to a producer task and its receiver end to a consumer task
 *   (then closes its own); the producer `sender.send`s, the consumer
 *   `receiver.receive`s into a reused Message.
 * - alternative: a producer worker posts 64-byte Uint8Arrays over a
 *   MessageChannel to a consumer worker (the workers of one-way).
 * - no kernel: the bare ring of one-way (bare-ring.ts), same capacity.
 */
import { ONE_WAY_CAPACITY } from './one-way.js';
import { openBareRing } from './bare-ring.js';
import { type Benchmark, openBoth } from './harness.js';
import { openKipcTasks } from './kipc-side.js';
import { openPostedMessages } from './pm-side.js';

/** Channel capacity: the one-way port's, so the two kernel paths compare like for like. */
export const CHANNEL_CAPACITY = ONE_WAY_CAPACITY;

export const channel: Benchmark = {
  name: 'channel',
  title: 'channel of 64-byte messages, 1 producer task → 1 consumer task',
  unit: 'msg/s',
  targets: [
    { kind: 'at-least', value: 10e6 },
    { kind: 'speedup', value: 20 },
  ],
  open: () =>
    openBoth(
      () =>
        openKipcTasks(
          `sender.send → receiver.receive, capacity ${CHANNEL_CAPACITY}, worker → worker`,
          (init) => {
            const { sender, receiver } = init.createChannel({ capacity: CHANNEL_CAPACITY });
            return [sender, receiver];
          },
          [
            { name: 'consumer', module: 'kipc-channel-consumer', grants: [1] },
            { name: 'producer', module: 'kipc-channel-producer', grants: [0] },
          ],
        ),
      () => openPostedMessages(),
    ),
  openCeiling: () => openBareRing(CHANNEL_CAPACITY),
};
