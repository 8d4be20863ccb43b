/**
 * Races between a receiver finding a channel empty and the last sender
 * sending and leaving (found by kernel.check()'s traffic test in CI: a
 * receive got EPIPE although the sender had queued its messages before it
 * closed). The window is a few instructions wide between threads, so the
 * test opens it on one thread: the receiver's wait is recorded (the
 * moment the queue has been seen empty) through a hook that sends and
 * closes the last sender end right then, as another core would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokenPipeError, Message } from '../../src/index.js';
import { kipcError } from '../support/errors.js';
import { withKernel } from '../support/kernel.js';
import type { TaskContext } from '../../src/core/context.js';
import { errno as E } from '../../src/index.js';

/** Runs `act` once, the first time `ctx` records a queue wait (its queue was just seen empty). */
function onFirstEmptyLook(ctx: TaskContext, act: () => void): () => void {
  const original = ctx.blockOnQueue;
  let done = false;
  ctx.blockOnQueue = function (this: TaskContext, ...args: Parameters<TaskContext['blockOnQueue']>) {
    if (!done) {
      done = true;
      act();
    }
    return original.apply(this, args);
  };
  return () => {
    ctx.blockOnQueue = original;
  };
}

test('a channel receive that found the queue empty while the last sender sent and closed gets the message, then EPIPE', async () => {
  await withKernel((kernel) => {
    const task = kernel.task;
    const { sender, receiver } = task.createChannel({ capacity: 4 });
    const restore = onFirstEmptyLook(task.ctx, () => {
      sender.send(Message.of(7, 'sent just before leaving'));
      sender.close();
    });
    try {
      const got = receiver.tryReceive();
      assert.ok(got, 'the message queued before the last sender left is received, not lost to EPIPE');
      assert.equal(got.text(), 'sent just before leaving');
    } finally {
      restore();
    }
    assert.throws(() => receiver.tryReceive(), kipcError(BrokenPipeError, E.EPIPE, 'EPIPE'));
    receiver.close();
  });
});
