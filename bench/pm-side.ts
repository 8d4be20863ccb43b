/**
 * Runner-side setup of a postMessage alternative made of plain workers
 * joined by MessageChannels: each pair is a consumer and a producer at the
 * two ends of one MessageChannel. The first consumer drives the side's
 * rounds (workers/driver.ts); the side is ready when every worker has
 * reported ready.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { createControl } from './control.js';
import { DrivenSide, Failure, type Side, stopWorker, workerUrl } from './harness.js';

export interface PairSpec {
  /** Worker modules under workers/ (without .js). */
  consumer: string;
  producer: string;
  /** More of each worker's workerData; `port` and `control` are added, and `index` (the pair's, from 0). */
  data?: Record<string, unknown>;
  /** How many pairs (default 1). */
  pairs?: number;
}

export async function openPostMessagePairs(label: string, spec: PairSpec): Promise<Side> {
  const control = createControl();
  const failure = new Failure();
  const workers: Worker[] = [];
  const start = (module: string, index: number, port: MessagePort): void => {
    const worker = new Worker(workerUrl(module), { workerData: { ...spec.data, index, port, control: control.buffer }, transferList: [port] });
    failure.watchWorker(worker, `${module} ${index}`);
    workers.push(worker);
  };
  const pairs = spec.pairs ?? 1;
  for (let index = 0; index < pairs; index++) {
    const { port1, port2 } = new MessageChannel();
    start(spec.consumer, index, port1);
    start(spec.producer, index, port2);
  }
  const side = new DrivenSide(label, control, failure, async () => {
    await Promise.all(workers.map((worker) => stopWorker(worker)));
  });
  try {
    await side.ready(2 * pairs);
  } catch (error) {
    await side.close();
    throw error;
  }
  return side;
}
