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
 *
 * The batched variant (informational) moves ONE_WAY_BATCH messages per
 * kernel entry with `sendMany` / `receiveMany`, against postMessage
 * carrying as many per Uint8Array.
 */
import { ONE_WAY_BATCH, ONE_WAY_CAPACITY } from './one-way.js';
import { openBareRing } from './bare-ring.js';
import { type Benchmark, openBoth } from './harness.js';
import { openKipcTasks } from './kipc-side.js';
import { openPostedMessages } from './pm-side.js';

/** Channel capacity: the one-way port's, so the two kernel paths compare like for like. */
export const CHANNEL_CAPACITY = ONE_WAY_CAPACITY;

/**
 * Opens the kipc side: a channel whose ends init grants to a consumer and a
 * producer task (`batch` > 1: sendMany/receiveMany); `processes`: both
 * tasks are child processes (process-channel, processes.ts).
 */
export function openChannelTasks(batch: number, processes = false): ReturnType<typeof openKipcTasks> {
  const how = batch > 1 ? `sender.sendMany → receiver.receiveMany, ${batch} per call` : 'sender.send → receiver.receive';
  return openKipcTasks(
    `${how}, capacity ${CHANNEL_CAPACITY}, ${processes ? 'process → process' : 'worker → worker'}`,
    (init) => {
      const { sender, receiver } = init.createChannel({ capacity: CHANNEL_CAPACITY });
      return [sender, receiver];
    },
    [
      { name: 'consumer', module: 'kipc-channel-consumer', grants: [1], data: { batch } },
      { name: 'producer', module: 'kipc-channel-producer', grants: [0], data: { batch } },
    ],
    { processes },
  );
}

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
      () => openChannelTasks(1),
      () => openPostedMessages(),
    ),
  openCeiling: () => openBareRing(CHANNEL_CAPACITY),
};

export const channelBatched: Benchmark = {
  name: 'channel-batch',
  title: `channel of 64-byte messages in batches of ${ONE_WAY_BATCH}, 1 producer task → 1 consumer task (informational)`,
  unit: 'msg/s',
  targets: [],
  open: () =>
    openBoth(
      () => openChannelTasks(ONE_WAY_BATCH),
      () => openPostedMessages(ONE_WAY_BATCH),
    ),
};
