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
import { type Benchmark, openBoth, type Side } from './harness.js';
import { openKipcTasks } from './kipc-side.js';
import { openPostMessagePingPong } from './pm-side.js';

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
  const side = await openPostMessagePingPong('postMessage ping-pong of a number over a MessageChannel, worker ↔ worker (a round trip is 2 hand-offs)');
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
