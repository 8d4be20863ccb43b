/**
 * Benchmark 9: semaphore hand-off latency between two tasks, in µs per
 * hand-off. Informational.
 *
 * - kipc: init creates two semaphores s1, s2 at count 0 and grants both to
 *   tasks A and B; A releases s1 and acquires s2, B acquires s1 and releases
 *   s2 (workers/kipc-semaphore.ts). Each turn is two hand-offs.
 * - alternative: the same ping-pong with postMessage, a number bounced
 *   between two workers over a MessageChannel (the workers of roundtrip);
 *   each round trip is two hand-offs, so its figure is halved.
 *
 * With the kernel's default spin, a waiter that is woken within the spin
 * time never sleeps; `kipc parks` shows how often one did.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { createControl } from './control.js';
import { type Benchmark, DrivenSide, Failure, openBoth, type Side, stopWorker, workerUrl } from './harness.js';
import { openKipcTasks } from './kipc-side.js';

function openKipc(): Promise<Side> {
  return openKipcTasks(
    's1.release + s2.acquire ⇄ s1.acquire + s2.release, task ↔ task',
    (init) => [init.createSemaphore(0), init.createSemaphore(0)],
    [
      { name: 'ping', module: 'kipc-semaphore', grants: [0, 1], data: { role: 'ping' } },
      { name: 'pong', module: 'kipc-semaphore', grants: [0, 1], data: { role: 'pong' } },
    ],
  );
}

/** roundtrip's postMessage ping-pong, its figure per round trip halved to per hand-off. */
async function openPostMessage(): Promise<Side> {
  const control = createControl();
  const failure = new Failure();
  const { port1, port2 } = new MessageChannel();
  const echo = new Worker(workerUrl('pm-echo'), { workerData: { port: port2 }, transferList: [port2] });
  const caller = new Worker(workerUrl('pm-caller'), { workerData: { port: port1, control: control.buffer }, transferList: [port1] });
  failure.watchWorker(echo, 'pm-echo');
  failure.watchWorker(caller, 'pm-caller');
  const side = new DrivenSide('postMessage ping-pong of a number over a MessageChannel, worker ↔ worker (a round trip is 2 hand-offs)', control, failure, async () => {
    await Promise.all([stopWorker(caller), stopWorker(echo)]);
  });
  try {
    await side.ready(1);
  } catch (error) {
    await side.close();
    throw error;
  }
  return {
    label: side.label,
    round: async (budgetMs) => {
      const figure = await side.round(budgetMs);
      return { value: figure.value / 2, ops: figure.ops * 2 };
    },
    close: () => side.close(),
  };
}

export const semaphoreHandoff: Benchmark = {
  name: 'semaphore',
  title: 'semaphore hand-off, task ↔ task, two semaphores ping-pong (informational)',
  unit: 'µs',
  operation: 'hand-off',
  targets: [],
  open: () => openBoth(openKipc, openPostMessage),
};
