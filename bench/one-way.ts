/**
 * Benchmark 4: one-way throughput of 64-byte messages between two workers,
 * measured until the consumer has received the whole burst.
 *
 * - kipc: a producer task `port.send`s into a port of ONE_WAY_CAPACITY
 *   messages owned by a consumer task that `port.receive`s.
 * - alternative: a producer worker posts 64-byte Uint8Arrays over a
 *   MessageChannel to a consumer worker.
 *
 * The batched variant (informational, no targets) moves BATCH messages per
 * kernel entry with `port.sendMany` / `port.receiveMany`, against
 * postMessage carrying BATCH messages per Uint8Array.
 */
import { openBareRing } from './bare-ring.js';
import { type Benchmark, openBoth, type Side } from './harness.js';
import { openKipcTasks } from './kipc-side.js';
import { openPostedMessages } from './pm-side.js';

/**
 * Queue capacity of the consumer's port. Capacity barely matters once it is
 * past a few dozen (measured 16 to 4096 on 2 cores: within noise); 1024
 * keeps the producer from waiting for room in all but the slowest rounds.
 */
export const ONE_WAY_CAPACITY = 1024;
/** Messages per sendMany / receiveMany (and per postMessage) in the batched variant. */
export const ONE_WAY_BATCH = 64;
const PATH = '/bench/sink';

/** The consumer task binds a port at PATH, the producer task connects to it: no objects from init. */
function openKipc(batch: number): Promise<Side> {
  const how = batch > 1 ? `port.sendMany → port.receiveMany, ${batch} per call` : 'port.send → port.receive';
  const data = { path: PATH, capacity: ONE_WAY_CAPACITY, batch };
  return openKipcTasks(
    `${how}, capacity ${ONE_WAY_CAPACITY}, worker → worker`,
    () => [],
    [
      { name: 'consumer', module: 'kipc-consumer', data },
      { name: 'producer', module: 'kipc-producer', data },
    ],
    { messageSlots: Math.max(8192, ONE_WAY_CAPACITY * 2) },
  );
}

export const oneWay: Benchmark = {
  name: 'one-way',
  title: 'one-way 64-byte messages, worker → worker',
  unit: 'msg/s',
  targets: [
    { kind: 'at-least', value: 5e6 },
    { kind: 'speedup', value: 10 },
  ],
  open: () =>
    openBoth(
      () => openKipc(1),
      () => openPostedMessages(1),
    ),
  openCeiling: () => openBareRing(ONE_WAY_CAPACITY),
};

export const oneWayBatched: Benchmark = {
  name: 'one-way-batch',
  title: `one-way 64-byte messages in batches of ${ONE_WAY_BATCH}, worker → worker (informational)`,
  unit: 'msg/s',
  targets: [],
  open: () =>
    openBoth(
      () => openKipc(ONE_WAY_BATCH),
      () => openPostedMessages(ONE_WAY_BATCH),
    ),
};
