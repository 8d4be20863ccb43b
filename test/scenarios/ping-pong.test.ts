/**
 * Strat9's self-test scenario 1 (docs/reliability.md), port ping-pong: task A creates a port and publishes it, task B
 * is already blocked in recv on it (the snapshot says so), A sends
 * msg_type 42 "Hi!", B gets it with A's pid as sender.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernel, TaskHandle } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { PING } from './fixtures/layout.js';
import { controlWords, setWord } from '../support/control-words.js';
import { withGuardedKernel } from '../support/kernel.js';
import { taskInfo } from '../support/blocked.js';

async function pingPong(kernel: Kernel, mode: string): Promise<void> {
  const baseline = kernel.usage();
  const c = controlWords(PING.words);
  const path = '/srv/ping';
  let a: TaskHandle;
  let b: TaskHandle;
  if (mode === 'typed-bind') {
    b = kernel.spawn(fixture('scenarios/fixtures/ping'), { data: { role: 'B', mode, ctl: c.buffer, path } });
    a = kernel.spawn(fixture('scenarios/fixtures/ping'), { data: { role: 'A', mode, ctl: c.buffer, path } });
  } else {
    // B first, so that A knows whom to grant the port to.
    b = kernel.spawn(fixture('scenarios/fixtures/ping'), { data: { role: 'B', mode, ctl: c.buffer } });
    a = kernel.spawn(fixture('scenarios/fixtures/ping'), { data: { role: 'A', mode, ctl: c.buffer, peer: b.pid } });
  }
  const exits = Promise.all([a.exited, b.exited]);

  await waitFor(() => Atomics.load(c, PING.receiving) === 1, 'B to start receiving');
  const portId = Atomics.load(c, PING.objectId);
  assert.ok(portId > 0, 'A published a port');
  // B must really be parked in recv on that port before A sends.
  await waitFor(() => {
    const info = taskInfo(kernel, b.pid);
    return info?.state === 'blocked' && info.blockedOn?.objectId === portId;
  }, 'B to be blocked in recv on the port');
  const blocked = taskInfo(kernel, b.pid)!;
  assert.deepEqual(blocked.blockedOn, { objectId: portId, type: 'port', event: 'readable' });
  const port = kernel.snapshot().objects.find((o) => o.id === portId)!;
  assert.equal(port.type, 'port');
  assert.equal(port.waiters.receivers, 1);
  assert.equal(port.depth, 0);
  assert.equal(Atomics.load(c, PING.done), 0, 'B has not received anything yet');

  setWord(c, PING.go, 1);
  await within(waitFor(() => Atomics.load(c, PING.done) === 1, 'B to receive', 20_000), 25_000, 'ping-pong');

  assert.equal(Atomics.load(c, PING.errno), 0, 'recv succeeded');
  assert.equal(Atomics.load(c, PING.type), 42);
  assert.equal(Atomics.load(c, PING.sender), a.pid, "sender is A's pid, written by the kernel");
  const text = String.fromCharCode(...Array.from(c.subarray(PING.text, PING.text + 12)).filter((x) => x !== 0));
  assert.equal(text, 'Hi!');
  const [ea, eb] = await within(exits, 10_000, 'A and B to exit');
  assert.equal(ea.code, 0, ea.error);
  assert.equal(eb.code, 0, eb.error);
  assert.deepEqual(kernel.usage(), baseline, 'nothing left behind');
  assert.deepEqual(kernel.snapshot().names, []);
}

test('6.1 ping-pong: A grants its port to B, B blocked in recv gets type 42 "Hi!" from A (typed API)', async () => {
  await withGuardedKernel((kernel) => pingPong(kernel, 'typed-grant'));
});

test('6.1 ping-pong through the ABI: IPC_CREATE_PORT, HANDLE_GRANT, IPC_RECV blocked, IPC_SEND', async () => {
  await withGuardedKernel((kernel) => pingPong(kernel, 'abi-grant'));
});

test('6.1 ping-pong by name: B binds /srv/ping and blocks in recv, A connects and sends', async () => {
  await withGuardedKernel((kernel) => pingPong(kernel, 'typed-bind'));
});
