import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_READABLE, EVENT_WRITABLE, InterruptedError, Message, TimeoutError, waitAny, waitAnyAsync } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { controlWords, setWord } from '../support/control-words.js';
import { H_POLLERS } from '../../src/core/layout.js';

test('waitAny returns every target that is ready now, in order, without waiting', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const port = t.createPort();
    const { sender, receiver } = t.createChannel();
    const sem = t.createSemaphore(0);
    sender.send(Message.of(1));
    const ready = waitAny([port, receiver, sem, { handle: sender, events: EVENT_WRITABLE }], { timeout: 0 });
    assert.deepEqual(
      ready.map((e) => [e.index, e.events, e.destroyed]),
      [
        [0, EVENT_WRITABLE, false],
        [1, EVENT_READABLE, false],
        [3, EVENT_WRITABLE, false],
      ],
    );
    assert.equal(ready[1]!.handle, receiver);
  });
});

test('waitAny times out when nothing becomes ready, and waitAnyAsync stops on abort', async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const { receiver } = t.createChannel();
    const sem = t.createSemaphore(0);
    assert.throws(() => waitAny([receiver, sem], { timeout: 30 }), TimeoutError);
    const controller = new AbortController();
    const waiting = waitAnyAsync([receiver, sem], { signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, InterruptedError);
  });
});

test('waitAnyAsync is woken by a semaphore post from another task while it sleeps', async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const { receiver } = t.createChannel();
    const port = t.createPort();
    const sem = t.createSemaphore(0);
    const c = controlWords(8);
    const actor = kernel.spawn(fixture('api/fixtures/wait-many-actor'), { data: { ctl: c.buffer } });
    setWord(c, 1, 1);
    setWord(c, 0, sem.grant(actor.pid));
    const ready = await within(waitAnyAsync([{ handle: port, events: EVENT_READABLE }, receiver, sem]), 10_000, 'the post to wake the wait');
    assert.deepEqual(
      ready.map((e) => [e.index, e.events]),
      [[2, EVENT_READABLE]],
    );
    assert.equal(sem.tryAcquire(), true, 'the unit posted is still there for the waiter to take');
    await within(actor.exited, 10_000, 'the actor to exit');
  });
});

test('a task blocked in waitAny wakes when a channel it watches gets a message; a destroyed port counts as ready', async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const { sender, receiver } = t.createChannel();
    const ring = t.createRing(4096);
    const c = controlWords(8);
    const waiter = kernel.spawn(fixture('api/fixtures/wait-many-actor'), { data: { ctl: c.buffer } });
    setWord(c, 1, 3);
    setWord(c, 4, ring.grant(waiter.pid));
    setWord(c, 0, receiver.grant(waiter.pid));
    await waitFor(() => kernel.snapshot().usage.tasks === 2 && Atomics.load(kernel.task.ctx.r.w, H_POLLERS) > 0, 'the waiter to poll');
    sender.send(Message.of(3));
    await waitFor(() => Atomics.load(c, 2) === 1, 'the waiter to wake');
    assert.equal(Atomics.load(c, 3), 1 + 10 * EVENT_READABLE, 'the channel (index 1) is readable');
    await within(waiter.exited, 10_000, 'the waiter to exit');

    // A port whose owner closed its receiving handle is destroyed; a send handle to it stays.
    const doomed = t.createPort();
    doomed.bind('/wait-many/doomed');
    const client = t.connect('/wait-many/doomed');
    const other = t.createSemaphore(0);
    doomed.close();
    const ready = waitAny([other, client], { timeout: 1000 });
    assert.deepEqual(
      ready.map((e) => [e.index, e.events, e.destroyed]),
      [[1, 0, true]],
    );
  });
});
