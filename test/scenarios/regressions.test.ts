/**
 * Regression tests for wake-up, batching and serving bugs found in review.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Message, OBJ_PORT, EVENT_READABLE, MSG_TYPE_REPLY, errno } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';

test('one send wakes a blocked receiver even while a HANDLE_WAIT waiter is parked on the same port', { timeout: 30_000 }, async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort();
    const receiverReport = new Int32Array(new SharedArrayBuffer(12));
    const waiterReport = new Int32Array(new SharedArrayBuffer(12));
    const receiver = kernel.spawn(fixture('scenarios/fixtures/regress-waiter'), { data: { mode: 'receive', report: receiverReport.buffer } });
    const waiter = kernel.spawn(fixture('scenarios/fixtures/regress-waiter'), { data: { mode: 'wait', report: waiterReport.buffer } });
    // Each task gets a granted handle with every right, its value passed through shared memory.
    for (const [task, report] of [[receiver, receiverReport], [waiter, waiterReport]] as const) {
      Atomics.store(report, 2, port.grant(task.pid));
      Atomics.notify(report, 2);
    }
    const objectId = port.info().objectId;
    const blockedOnPort = (pid: number): boolean =>
      kernel.snapshot().tasks.some((t) => t.pid === pid && t.state === 'blocked' && t.blockedOn?.objectId === objectId && t.blockedOn.event === 'readable');
    await waitFor(() => blockedOnPort(receiver.pid) && blockedOnPort(waiter.pid), 'both tasks to block on the port');
    port.send(Message.of(1).setU32(0, 77));
    await within(receiver.exited, 10_000, 'the receiver to get the message');
    assert.equal(Atomics.load(receiverReport, 0), 1);
    assert.equal(Atomics.load(receiverReport, 1), 77);
    // Readiness is level-triggered: the receiver may have taken the message
    // before the waiter looked. A second message, which nobody takes, must
    // wake it.
    port.send(Message.of(1).setU32(0, 78));
    await within(waiter.exited, 10_000, 'the waiter to see READABLE');
    assert.equal(Atomics.load(waiterReport, 0), 1);
    assert.equal(OBJ_PORT, port.info().type);
    assert.equal(EVENT_READABLE, 1);
  });
});

test('sendMany stops before a message that carries a handle, and that message keeps its handle', async () => {
  await withKernel((kernel) => {
    const task = kernel.task;
    const port = task.createPort({ capacity: 8 });
    const other = task.createPort();
    const batch = Message.batch(3);
    const v = new DataView(batch.buffer);
    for (let i = 0; i < 3; i++) v.setUint32(i * 64 + 16, i, true);
    v.setUint32(2 * 64 + 12, other.handle, true); // message 2 carries a handle
    assert.equal(port.sendMany(batch, 3), 2, 'the batch stops before the message with a handle');
    assert.equal(port.sendMany(batch.subarray(128), 1), 1);
    const got = [port.receive(), port.receive(), port.receive()];
    assert.deepEqual(got.map((m) => m.getU32(0)), [0, 1, 2]);
    assert.equal(got[0]!.flags, 0);
    assert.ok(got[2]!.flags > 0, 'the third message arrived with a handle');
    assert.equal(task.port(got[2]!.flags).info().objectId, other.info().objectId);
  });
});

test('Port.serve answers a call with an error status when the handler throws, and keeps serving; a one-way message\'s throw goes to onError', async () => {
  await withKernel(async (kernel) => {
    const task = kernel.task;
    const port = task.createPort();
    port.bind('/regress/serve');
    const heard: string[] = [];
    let calls = 0;
    const ac = new AbortController();
    const served = port.serve(
      (m) => {
        calls++;
        if (m.type === 5) throw new Error('handler failed');
        m.setU32(0, 99);
      },
      { signal: ac.signal, onError: (e) => heard.push((e as Error).message) },
    );
    const client = task.connect('/regress/serve');
    const reply = await within(client.callAsync(Message.of(5)), 10_000, 'the call to be answered');
    assert.equal(reply.type, MSG_TYPE_REPLY);
    assert.equal(reply.status, errno.EINVAL);
    assert.deepEqual(heard, [], 'a call\'s error went to its caller only');
    const next = await within(client.callAsync(Message.of(6)), 10_000, 'the next call to be answered');
    assert.equal(next.getU32(0), 99, 'serving went on');
    client.send(Message.of(5));
    await waitFor(() => heard.length === 1, 'onError to hear of the one-way throw');
    assert.deepEqual(heard, ['handler failed']);
    ac.abort();
    await within(served, 5_000, 'serve to end on abort');
    assert.equal(calls, 3);
  });
});

test('a program run with `node --input-type=module -e` spawns tasks: kipc\'s threads do not inherit --input-type (which fails a worker started from a file)', { timeout: 60_000 }, () => {
  const script = `import { Kernel } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
    const kernel = Kernel.create();
    const task = kernel.spawn(${JSON.stringify(fixture('scenarios/fixtures/process-crash').href)});
    const exit = await task.exited;
    console.log(exit.code, /fails on purpose/.test(exit.error ?? ''));
    await kernel.close();`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 50_000 });
  assert.equal(run.stdout.trim(), '1 true', `the task ran and its error came back:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /supervisor failed/);
});
