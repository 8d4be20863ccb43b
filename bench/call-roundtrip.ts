/**
 * Benchmark 1: call/reply round trip between two worker threads.
 *
 * - kipc: a client task does sync `port.call` to an echo server task that
 *   `receive`s and `reply`s (both worker threads of one kernel).
 * - alternative: the same echo over `postMessage` between two workers joined
 *   by a MessageChannel, each side answering from its event loop.
 *
 * Both clients time their own rounds; the main thread only starts them.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { createControl } from './control.js';
import { type Benchmark, DrivenSide, Failure, openBoth, type Side, stopWorker, workerUrl } from './harness.js';
import { ECHO_PATH, startEchoKernel } from './kipc-setup.js';

async function openKipc(): Promise<Side> {
  const echo = startEchoKernel();
  const control = createControl();
  const client = echo.kernel.spawn(workerUrl('kipc-caller'), { data: { path: ECHO_PATH, control: control.buffer } });
  echo.failure.watchTask(client, 'caller');
  const side = new DrivenSide(
    'port.call → receive + reply, worker ↔ worker',
    control,
    echo.failure,
    () => echo.close(),
    echo.parks,
  );
  try {
    await side.ready(1);
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
  const server = new Worker(workerUrl('pm-echo'), { workerData: { port: port2 }, transferList: [port2] });
  const client = new Worker(workerUrl('pm-caller'), { workerData: { port: port1, control: control.buffer }, transferList: [port1] });
  failure.watchWorker(server, 'pm-echo');
  failure.watchWorker(client, 'pm-caller');
  const side = new DrivenSide('postMessage ping-pong over a MessageChannel, worker ↔ worker', control, failure, async () => {
    await Promise.all([stopWorker(client), stopWorker(server)]);
  });
  try {
    await side.ready(1);
  } catch (error) {
    await side.close();
    throw error;
  }
  return side;
}

export const callRoundTrip: Benchmark = {
  name: 'roundtrip',
  title: 'call/reply round trip, worker ↔ worker',
  unit: 'µs',
  targets: [
    { kind: 'at-most', value: 2 },
    { kind: 'speedup', value: 15 },
  ],
  open: () => openBoth(openKipc, openPostMessage),
};
