/**
 * The lost wake-up window of park (src/kernel/park.ts): a waiter that has
 * spun and not yet announced itself is invisible to wakers, so an event
 * landing there wakes nobody; only the waiter's re-check after announcing
 * catches it. A test hook lands a send from another thread exactly in that
 * window (spin 0), for the sync and the async park. Without the re-check
 * both receives sleep past their deadline (TimeoutError) although a
 * message is queued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Kernel } from '../../src/index.js';
import { setParkAnnounceHookForTests } from '../../src/ops/park.js';
import { fixture } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { PARK_WINDOW } from './fixtures/park-window-layout.js';

const T = { timeout: 30_000 };
/** Far beyond a wake-up, short enough that a lost one fails the test instead of hanging it. */
const RECEIVE_DEADLINE_MS = 5_000;

/**
 * Spawns the sender fixture for a port of init's, and arms the hook: at
 * init's next park, between the spin and the announcement, it makes the
 * sender send one message and waits until it is queued. Returns the port,
 * and a count of hook runs.
 */
async function armedPort(kernel: Kernel) {
  const port = kernel.task.createPort();
  port.bind('/test/park-window');
  const control = new SharedArrayBuffer(PARK_WINDOW.words * 4);
  const words = new Int32Array(control);
  const sender = kernel.spawn(fixture('kernel/fixtures/park-window-sender'), { data: { path: '/test/park-window', control } });
  await waitFor(() => Atomics.load(words, PARK_WINDOW.ready) === 1, 'the sender to connect');
  const hook = { runs: 0, queuedBeforeAnnounce: false };
  setParkAnnounceHookForTests(() => {
    setParkAnnounceHookForTests(undefined);
    hook.runs++;
    Atomics.store(words, PARK_WINDOW.go, 1);
    Atomics.notify(words, PARK_WINDOW.go);
    Atomics.wait(words, PARK_WINDOW.done, 0, 10_000);
    hook.queuedBeforeAnnounce = Atomics.load(words, PARK_WINDOW.done) === 1;
  });
  return { port, hook, sender };
}

test('park (sync): a message sent after the spin and before the announcement wakes the receiver (the re-check)', T, async () => {
  await withKernel(
    async (kernel) => {
      const { port, hook, sender } = await armedPort(kernel);
      try {
        const m = port.receive({ timeout: RECEIVE_DEADLINE_MS });
        assert.equal(hook.runs, 1, 'the receive parked, and the hook ran in the window');
        assert.ok(hook.queuedBeforeAnnounce, 'the message was queued before the receiver announced itself');
        assert.equal(m.getU32(0), 1);
      } finally {
        setParkAnnounceHookForTests(undefined);
        await sender.terminate();
      }
    },
    { spin: 0 },
  );
});

test('parkAsync: a message sent after the spin and before the announcement wakes the receiver (the re-check)', T, async () => {
  await withKernel(
    async (kernel) => {
      const { port, hook, sender } = await armedPort(kernel);
      try {
        const m = await port.receiveAsync({ timeout: RECEIVE_DEADLINE_MS });
        assert.equal(hook.runs, 1, 'the receive parked, and the hook ran in the window');
        assert.ok(hook.queuedBeforeAnnounce, 'the message was queued before the receiver announced itself');
        assert.equal(m.getU32(0), 1);
      } finally {
        setParkAnnounceHookForTests(undefined);
        await sender.terminate();
      }
    },
    { spin: 0 },
  );
});
