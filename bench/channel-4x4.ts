/**
 * Benchmark 6: 64-byte messages from 4 producer tasks to 4 consumer tasks
 * through one channel (MPMC: any consumer takes any producer's message),
 * in messages per second of all of them, measured until every consumer is
 * done with the burst. Informational.
 *
 * - kipc: one channel; init grants a sender end to each producer and a
 *   receiver end to each consumer. Consumers cannot know their share, so
 *   the last producer to finish a burst sends one stop message per consumer
 *   behind the data (workers/kipc-channel-producer.ts).
 * - alternative: 4 independent producer → consumer pairs, each joined by
 *   its own MessageChannel, each producer sending a quarter of the burst.
 *   postMessage has no queue that several workers can take from; building
 *   one (a dispatcher worker, or consumers asking for work) would add a hop
 *   per message and measure the dispatcher, while 4 pairs is how Node code
 *   spreads such load. It also favours postMessage: the pairs share nothing,
 *   while kipc's 8 tasks contend for one queue.
 *
 * On a machine with fewer than 9 cores, 8 busy threads share the cores,
 * and the figures say as much about the scheduler as about either side.
 */
import { CHANNEL_CAPACITY } from './channel.js';
import { type Benchmark, openBoth } from './harness.js';
import { openKipcTasks, type TaskSpec } from './kipc-side.js';
import { openPostMessagePairs } from './pm-side.js';
import { createTally } from './workers/tally.js';

const PRODUCERS = 4;
const CONSUMERS = 4;

function openKipc() {
  const tally = createTally();
  const fan = { producers: PRODUCERS, consumers: CONSUMERS, tally };
  const tasks: TaskSpec[] = [
    ...Array.from({ length: CONSUMERS }, (_, index) => ({ name: `consumer ${index}`, module: 'kipc-mpmc-consumer', grants: [1], data: { ...fan, index } })),
    ...Array.from({ length: PRODUCERS }, (_, index) => ({ name: `producer ${index}`, module: 'kipc-channel-producer', grants: [0], data: { ...fan, index } })),
  ];
  return openKipcTasks(
    `${PRODUCERS} tasks sender.send → one channel of capacity ${CHANNEL_CAPACITY} → ${CONSUMERS} tasks receiver.receive`,
    (init) => {
      const { sender, receiver } = init.createChannel({ capacity: CHANNEL_CAPACITY });
      return [sender, receiver];
    },
    tasks,
  );
}

export const channel4x4: Benchmark = {
  name: 'channel-4x4',
  title: `channel of 64-byte messages, ${PRODUCERS} producer tasks → ${CONSUMERS} consumer tasks (informational)`,
  unit: 'msg/s',
  targets: [],
  open: () =>
    openBoth(openKipc, () =>
      openPostMessagePairs(`${PRODUCERS} workers postMessage 64-byte Uint8Arrays, each over its own MessageChannel to its own consumer worker`, {
        consumer: 'pm-consumer',
        producer: 'pm-producer',
        pairs: PRODUCERS,
        data: { pairs: PRODUCERS, tally: createTally() },
      }),
    ),
};
