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
import { MessageChannel, Worker } from 'node:worker_threads';
import { Kernel } from '../src/index.js';
import { kernelOptions } from './config.js';
import { openBareRing } from './bare-ring.js';
import { createControl } from './control.js';
import { type Benchmark, DrivenSide, Failure, openBoth, type Side, settleWithin, stopWorker, workerUrl } from './harness.js';

/**
 * Queue capacity of the consumer's port. Capacity barely matters once it is
 * past a few dozen (measured 16 to 4096 on 2 cores: within noise); 1024
 * keeps the producer from waiting for room in all but the slowest rounds.
 */
export const ONE_WAY_CAPACITY = 1024;
/** Messages per sendMany / receiveMany (and per postMessage) in the batched variant. */
export const ONE_WAY_BATCH = 64;
const PATH = '/bench/sink';

async function openKipc(batch: number): Promise<Side> {
  const kernel = Kernel.create({ ...kernelOptions, messageSlots: Math.max(8192, ONE_WAY_CAPACITY * 2) });
  const control = createControl();
  const failure = new Failure();
  const data = { path: PATH, capacity: ONE_WAY_CAPACITY, batch, control: control.buffer };
  const consumer = kernel.spawn(workerUrl('kipc-consumer'), { data });
  const producer = kernel.spawn(workerUrl('kipc-producer'), { data });
  failure.watchTask(consumer, 'consumer');
  failure.watchTask(producer, 'producer');
  const how = batch > 1 ? `port.sendMany → port.receiveMany, ${batch} per call` : 'port.send → port.receive';
  const side = new DrivenSide(
    `${how}, capacity ${ONE_WAY_CAPACITY}, worker → worker`,
    control,
    failure,
    async () => {
      await settleWithin(Promise.all([consumer.exited, producer.exited]), 2000);
      await kernel.close();
    },
    () => kernel.snapshot().stats.parks,
  );
  try {
    await side.ready(2);
  } catch (error) {
    await side.close();
    throw error;
  }
  return side;
}

async function openPostMessage(batch: number): Promise<Side> {
  const control = createControl();
  const failure = new Failure();
  const { port1, port2 } = new MessageChannel();
  const consumer = new Worker(workerUrl('pm-consumer'), { workerData: { port: port1, batch, control: control.buffer }, transferList: [port1] });
  const producer = new Worker(workerUrl('pm-producer'), { workerData: { port: port2, batch, control: control.buffer }, transferList: [port2] });
  failure.watchWorker(consumer, 'pm-consumer');
  failure.watchWorker(producer, 'pm-producer');
  const what = batch > 1 ? `${batch} messages per ${batch * 64}-byte Uint8Array` : '64-byte Uint8Arrays';
  const side = new DrivenSide(`postMessage of ${what} over a MessageChannel, worker → worker`, control, failure, async () => {
    await Promise.all([stopWorker(consumer), stopWorker(producer)]);
  });
  try {
    await side.ready(2);
  } catch (error) {
    await side.close();
    throw error;
  }
  return side;
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
      () => openPostMessage(1),
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
      () => openPostMessage(ONE_WAY_BATCH),
    ),
};
