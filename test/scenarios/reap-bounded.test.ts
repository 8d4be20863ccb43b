/**
 * Reaping is bounded: a task that dies with thousands of calls queued on a
 * port, with plain messages queued behind and among them, is cleaned up in
 * steps that each use a bounded part of the undo log (a single critical
 * section for the whole reap overflowed the log and wedged the kernel).
 * Its calls leave the queue, the plain messages stay in their order (its
 * own and a live task's), the server's held calls are abandoned, and the
 * kernel goes on working throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message, type Kernel } from '../../src/index.js';
import * as L from '../../src/core/layout.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { controlWords } from '../support/control-words.js';
import { isChecked } from '../support/patterns.js';

const LIMITS = { maxCalls: 4096, messageSlots: 16384 };

/** Drains `port` without blocking; returns [stream, seq] of each checked message, in order. */
function drain(kernel: Kernel, port: ReturnType<Kernel['task']['createPort']>): [number, number][] {
  const got: [number, number][] = [];
  const m = new Message();
  while (port.tryReceive(m)) {
    assert.equal(m.callToken, 0, 'no call of the dead task is left in the queue');
    assert.ok(isChecked(m), 'a message that stayed is intact');
    got.push([m.getU32(0), m.getU32(4)]);
  }
  return got;
}

function inOrder(got: [number, number][], stream: number, count: number): void {
  const seqs = got.filter(([s]) => s === stream).map(([, seq]) => seq);
  assert.deepEqual(seqs, Array.from({ length: count }, (_, i) => i), `stream ${stream}: every plain message, in order`);
}

test('a task killed with 3000 queued calls and 1500 plain messages among them is reaped; the kernel goes on', async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort({ capacity: 8192 });
    port.bind('/srv/flooded');
    const ctl = controlWords(2);
    const flooder = kernel.spawn(fixture('scenarios/fixtures/reap-flooder'), { data: { path: '/srv/flooded', calls: 3000, plain: 1500, stream: 7, ctl: ctl.buffer, index: 0 }, quotas: { calls: 4000 } });
    await waitFor(() => Atomics.load(ctl, 0) === 4500, 'the flooder to queue its calls and messages', 60_000);
    // A live task's messages queue behind the flood.
    const bystander = kernel.spawn(fixture('scenarios/fixtures/reap-flooder'), { data: { path: '/srv/flooded', calls: 0, plain: 200, stream: 8, ctl: ctl.buffer, index: 1 } });
    await waitFor(() => Atomics.load(ctl, 1) === 200, 'the bystander to queue its messages');
    assert.equal(kernel.usage().calls >= 3000, true, 'the calls are in flight');
    const exit = await within(flooder.terminate(), 20_000, 'the flooder to be reaped');
    assert.equal(exit.cleanupError, undefined);
    // The kernel works: init creates a port, and the queue holds only plain messages.
    kernel.task.createPort().close();
    const got = drain(kernel, port);
    assert.equal(got.length, 1700, 'every plain message stayed, no call did');
    inOrder(got, 7, 1500);
    inOrder(got, 8, 200);
    await bystander.terminate();
    assert.equal(kernel.snapshot().stats.lockRecoveries >= 0, true);
  }, LIMITS);
});

test('a task killed holding 1000 calls, 300 of them received and held by the server: callers abandon, the server is told EPIPE', async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort({ capacity: 2048 });
    port.bind('/srv/holding');
    const ctl = controlWords(1);
    const client = kernel.spawn(fixture('scenarios/fixtures/reap-flooder'), { data: { path: '/srv/holding', calls: 1000, plain: 0, stream: 1, ctl: ctl.buffer, index: 0 } });
    await waitFor(() => Atomics.load(ctl, 0) === 1000, 'the client to queue its calls', 60_000);
    const held: Message[] = [];
    for (let i = 0; i < 300; i++) held.push(port.receive());
    assert.ok(held.every((m) => m.callToken !== 0));
    await within(client.terminate(), 20_000, 'the client to be reaped');
    assert.equal(port.tryReceive(new Message()), undefined, 'the calls still queued were withdrawn');
    // Replies to abandoned calls find the caller gone (false), and free the call slots.
    const refused = held.filter((m) => !kernel.task.reply(m)).length;
    assert.equal(refused, 300, 'every held call was abandoned by its dead caller');
    assert.equal(kernel.usage().calls, 0, 'no call slot is left');
  }, LIMITS);
});

test('tasks holding hundreds of calls are killed at random moments while a server answers: every survivor call is answered, nothing leaks', async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort({ capacity: 4096 });
    port.bind('/srv/busy');
    const baseline = kernel.usage();
    let answered = 0;
    const stop = new AbortController();
    const serving = (async () => {
      const m = new Message();
      for (;;) {
        try {
          await port.receiveAsync({ into: m, signal: stop.signal });
        } catch {
          return;
        }
        try {
          kernel.task.reply(m);
          answered++;
        } catch {
          // Its caller died: EPIPE.
        }
      }
    })();
    for (let round = 0; round < 8; round++) {
      const ctl = controlWords(1);
      const client = kernel.spawn(fixture('scenarios/fixtures/reap-flooder'), { data: { path: '/srv/busy', calls: 400 + round * 50, plain: 100, stream: round, ctl: ctl.buffer, index: 0 } });
      // Kill it at a different point each round: while it is still queueing, or once it has.
      await waitFor(() => Atomics.load(ctl, 0) !== 0 || round % 2 === 0, 'a moment to kill');
      await new Promise((resolve) => setTimeout(resolve, (round * 7) % 20));
      const exit = await within(client.terminate(), 20_000, `client ${round} to be reaped`);
      assert.equal(exit.cleanupError, undefined);
    }
    stop.abort();
    await serving;
    drain(kernel, port);
    await waitFor(() => kernel.usage().calls === baseline.calls, 'every call slot to be freed');
    assert.ok(answered >= 0);
  }, LIMITS);
});

test('a reap that fails (here: a supervisor whose undo log is too small) is undone and reported; the kernel goes on', async () => {
  await withKernel(async (kernel) => {
    // The supervisor reads the undo log's size when its thread starts, just
    // after Kernel.create(): make it far too small for a task with many ports.
    const r = kernel.task.ctx.r;
    const realEntries = r.w[L.H_UNDO_ENTRIES]!;
    r.w[L.H_UNDO_ENTRIES] = 64;
    const errors: Error[] = [];
    kernel.on('error', (error: Error) => errors.push(error));
    // Once the supervisor has started a task it has read the size: give the real one back to every later task.
    const probeReady = controlWords(1);
    const probe = kernel.spawn(fixture('scenarios/fixtures/reap-holder'), { data: { ports: 0, ctl: probeReady.buffer } });
    await waitFor(() => Atomics.load(probeReady, 0) === 1, 'the supervisor to start a task');
    r.w[L.H_UNDO_ENTRIES] = realEntries;
    const ctl = controlWords(1);
    const holder = kernel.spawn(fixture('scenarios/fixtures/reap-holder'), { data: { ports: 100, ctl: ctl.buffer } });
    await waitFor(() => Atomics.load(ctl, 0) === 1, 'the holder to create its ports');
    const exit = await within(holder.terminate(), 20_000, 'the failed reap to be reported');
    assert.match(exit.cleanupError ?? '', /undo log overflow/);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, new RegExp(`cleanup after task ${holder.pid} failed`));
    // The lock was freed and the kernel works: init creates a port, and a small task lives and is reaped.
    kernel.task.createPort().close();
    assert.deepEqual((await probe.terminate()).cleanupError, undefined, 'a small task is still reaped');
    // What the failed reap left is reported, and nothing else.
    const problems = kernel.check();
    assert.ok(problems.length > 0 && problems.every((p) => p.includes(`pid ${holder.pid}`)), problems.join('\n'));
  }, { skipCheck: true });
});
