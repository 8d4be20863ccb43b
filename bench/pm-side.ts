/**
 * Runner-side setup of the postMessage alternatives: plain workers joined
 * by MessageChannels (harness.ts's openWorkerSide). Throughput sides are
 * consumer / producer pairs at the two ends of one MessageChannel each, the
 * first consumer driving the rounds; the ping-pong side is a caller and an
 * echo worker, the caller driving.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { openWorkerSide, type Side, type WorkerSpec } from './harness.js';
import { MESSAGE_BYTES } from './workers/message-layout.js';

export interface PairSpec {
  /** Worker modules under workers/ (without .js). */
  consumer: string;
  producer: string;
  /** More of each worker's workerData; `port` and `control` are added, and `index` (the pair's, from 0). */
  data?: Record<string, unknown>;
  /** How many pairs (default 1). */
  pairs?: number;
}

/** Starts `spec.pairs` consumer / producer pairs; resolves once every worker has reported ready. */
export function openPostMessagePairs(label: string, spec: PairSpec): Promise<Side> {
  const worker = (module: string, index: number, port: MessagePort): WorkerSpec => ({
    name: `${module} ${index}`,
    module,
    workerData: { ...spec.data, index, port },
    transferList: [port],
  });
  const workers: WorkerSpec[] = [];
  for (let index = 0; index < (spec.pairs ?? 1); index++) {
    const { port1, port2 } = new MessageChannel();
    workers.push(worker(spec.consumer, index, port1), worker(spec.producer, index, port2));
  }
  return openWorkerSide(label, workers);
}

/**
 * The postMessage side of one-way and channel: a producer worker posts
 * 64-byte Uint8Arrays (`batch` messages back to back in each) over a
 * MessageChannel to a consumer worker (workers/pm-producer.ts,
 * workers/pm-consumer.ts).
 */
export function openPostedMessages(batch = 1): Promise<Side> {
  const what = batch > 1 ? `${batch} messages per ${batch * MESSAGE_BYTES}-byte Uint8Array` : `${MESSAGE_BYTES}-byte Uint8Arrays`;
  return openPostMessagePairs(`postMessage of ${what} over a MessageChannel, worker → worker`, {
    consumer: 'pm-consumer',
    producer: 'pm-producer',
    data: { batch },
  });
}

/**
 * A caller worker ping-pongs a number with an echo worker over a
 * MessageChannel (workers/pm-caller.ts, workers/pm-echo.ts); the caller
 * times the rounds, in µs per round trip.
 */
export function openPostMessagePingPong(label: string): Promise<Side> {
  const { port1, port2 } = new MessageChannel();
  return openWorkerSide(
    label,
    [
      { name: 'pm-echo', module: 'pm-echo', workerData: { port: port2 }, transferList: [port2] },
      { name: 'pm-caller', module: 'pm-caller', workerData: { port: port1 }, transferList: [port1] },
    ],
    1, // the echo worker just answers; it does not report ready
  );
}
