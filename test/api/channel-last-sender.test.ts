/**
 * A typed channel's receiver blocked in another task is woken with EPIPE
 * (end of the channel) when the last sender end closes, in a third task;
 * closing a sender end that is not the last wakes nobody for good.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys, errno as E, type Kernel } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { Agent } from '../support/abi.js';
import { OP } from './fixtures/typed-api.js';
import { controlWords, setWord } from '../support/control-words.js';
import { isBlockedOn } from '../support/blocked.js';

const T = { timeout: 60_000 };

async function lastSenderClosed(kernel: Kernel, op: 'receive' | 'receiveAsync'): Promise<void> {
  const { sender, receiver } = kernel.task.createChannel();
  const channelId = receiver.info().objectId;
  const c = controlWords(OP.words);
  const receiving = kernel.spawn(fixture('api/fixtures/channel-op'), { data: { ctl: c.buffer, op } });
  setWord(c, OP.handle, receiver.grant(receiving.pid));
  receiver.close();
  // Two sender ends, each in a task of its own (an agent), none in init.
  const holders = [await Agent.spawn(kernel), await Agent.spawn(kernel)];
  const granted = holders.map((holder) => sender.grant(holder.pid));
  sender.close();
  await waitFor(() => isBlockedOn(kernel.snapshot(), receiving.pid, 'channel', 'readable', channelId), 'the receiver to block');

  assert.equal((await holders[0]!.syscall(sys.SYS_CHAN_CLOSE, granted[0]!)).r, 0);
  // The receiver may wake to look, but must block again: a sender end is left.
  await waitFor(() => isBlockedOn(kernel.snapshot(), receiving.pid, 'channel', 'readable', channelId), 'the receiver to be blocked with one sender left');
  assert.equal(Atomics.load(c, OP.result), 0, 'the receiver has not returned while a sender end is open');

  assert.equal((await holders[1]!.syscall(sys.SYS_CHAN_CLOSE, granted[1]!)).r, 0);
  await waitFor(() => Atomics.load(c, OP.result) !== 0, 'the receiver to wake');
  assert.equal(Atomics.load(c, OP.result), E.EPIPE, 'woken with EPIPE: the channel has ended');
  assert.equal((await receiving.exited).code, 0);
  for (const holder of holders) await holder.exitWith(0);
}

test('a receiver blocked in receive() wakes with EPIPE when the last sender end closes in another task', T, async () => {
  await withKernel((kernel) => lastSenderClosed(kernel, 'receive'));
});

test('a receiver blocked in receiveAsync() wakes with EPIPE when the last sender end closes in another task', T, async () => {
  await withKernel((kernel) => lastSenderClosed(kernel, 'receiveAsync'));
});
