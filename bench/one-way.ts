/**
 * Benchmark 4: one-way throughput of 64-byte messages between two workers,
 * measured until the consumer has received the whole burst.
 *
 * - kipc: a producer task `port.send`s into a port of CAPACITY messages owned
 *   by a consumer task that `port.receive`s.
 * - alternative: a producer worker posts 64-byte Uint8Arrays over a
 *   MessageChannel to a consumer worker.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { Kernel } from '../src/index.js';
import { createControl } from './control.js';
import { type Benchmark, DrivenSide, Failure, openBoth, type Side, settleWithin, stopWorker, workerUrl } from './harness.js';

/** Queue capacity of the consumer's port: big enough that the producer rarely waits for room. */
export const ONE_WAY_CAPACITY = 1024;
const PATH = '/bench/sink';

async function openKipc(): Promise<Side> {
  const kernel = Kernel.create({ messageSlots: Math.max(8192, ONE_WAY_CAPACITY * 2) });
  const control = createControl();
  const failure = new Failure();
  const data = { path: PATH, capacity: ONE_WAY_CAPACITY, control: control.buffer };
  const consumer = kernel.spawn(workerUrl('kipc-consumer'), { data });
  const producer = kernel.spawn(workerUrl('kipc-producer'), { data });
  failure.watchTask(consumer, 'consumer');
  failure.watchTask(producer, 'producer');
  const side = new DrivenSide(`port.send → port.receive, capacity ${ONE_WAY_CAPACITY}, worker → worker`, control, failure, async () => {
    await settleWithin(Promise.all([consumer.exited, producer.exited]), 2000);
    await kernel.close();
  });
  try {
    await side.ready(2);
  } catch (error) {
    await side.close();
    throw error;
  }
  return side;
}

async function openPostMessage(): Promise<Side> {
  const control = createControl();
  const failure = new Failure();
  const { port1, port2 } = new MessageChannel();
  const consumer = new Worker(workerUrl('pm-consumer'), { workerData: { port: port1, control: control.buffer }, transferList: [port1] });
  const producer = new Worker(workerUrl('pm-producer'), { workerData: { port: port2, control: control.buffer }, transferList: [port2] });
  failure.watchWorker(consumer, 'pm-consumer');
  failure.watchWorker(producer, 'pm-producer');
  const side = new DrivenSide('postMessage of 64-byte Uint8Arrays over a MessageChannel, worker → worker', control, failure, async () => {
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
  open: () => openBoth(openKipc, openPostMessage),
};
