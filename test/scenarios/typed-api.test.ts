/**
 * The typed API (README.md, "The typed API": sync and async forms, deadlines
 * and AbortSignal on everything that can block, Error subclasses with errno and code) through
 * real worker-thread tasks: send/receive, trySend/tryReceive, wait, call,
 * timeouts that withdraw a queued call, AbortSignal with the reason as cause,
 * several calls in flight from one thread, `for await`, Port.serve, and the
 * error classes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlreadyExistsError,
  BadHandleError,
  BrokenPipeError,
  EVENT_READABLE,
  EVENT_WRITABLE,
  InterruptedError,
  InvalidArgumentError,
  Kernel,
  KipcError,
  Message,
  NotFoundError,
  PermissionError,
  RIGHTS_ALL,
  RIGHT_WRITE,
  type Port,
  type TaskHandle,
} from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { kipcError, timedOut } from '../support/errors.js';
import { tick, waitFor, within } from '../support/wait.js';
import { AGENT, CALLER } from './fixtures/layout.js';
import { controlWords, setWord } from '../support/control-words.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';

// Sync calls block init's own thread: a kernel hang there is caught by the watchdog.
const watchdog = startWatchdog(90_000, 'typed API tests');
after(() => watchdog.stop());

interface Agent {
  task: TaskHandle;
  c: Int32Array;
  port: Port;
  path: string;
}
let agents = 0;
async function startAgent(kernel: Kernel, options: { paused?: boolean; capacity?: number } = {}): Promise<Agent> {
  const c = controlWords(AGENT.words);
  const path = `/t/agent${agents++}`;
  const task = kernel.spawn(fixture('scenarios/fixtures/typed-api-server'), { data: { path, ctl: c.buffer, ...options } });
  await waitFor(() => Atomics.load(c, AGENT.ready) === 1, 'the agent to bind');
  return { task, c, port: kernel.task.connect(path), path };
}
async function stopAgent(agent: Agent): Promise<void> {
  setWord(agent.c, AGENT.go, 1);
  await agent.port.sendAsync(Message.of(99));
  const exit = await within(agent.task.exited, 10_000, 'the agent to exit');
  assert.equal(exit.code, 0, exit.error);
  agent.port.close();
}

test('send/receive and sendAsync/receiveAsync: FIFO, the kernel writes the sender, `into` is reused', async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const port = init.createPort({ capacity: 4 });
    const forged = Message.of(1, 'one');
    forged.sender = 999;
    port.send(forged);
    await port.sendAsync(Message.of(2, 'two'));
    const into = new Message();
    const first = port.receive({ into });
    assert.equal(first, into);
    assert.deepEqual([first.type, first.text(), first.sender, first.callToken], [1, 'one', 1, 0]);
    const second = await port.receiveAsync();
    assert.deepEqual([second.type, second.text(), second.sender], [2, 'two', 1]);
    // A receiveAsync that has to wait is woken by a later send.
    const pending = port.receiveAsync({ into });
    await tick();
    port.send(Message.of(3, 'three'));
    const third = await within(pending, 5_000, 'receiveAsync to be woken');
    assert.equal(third, into);
    assert.equal(third.text(), 'three');
    assert.throws(() => Message.of(1, new Uint8Array(49)), RangeError);
    port.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('trySend / tryReceive never block: false when full, undefined when empty; BadHandleError once closed', async () => {
  await withGuardedKernel(async (kernel) => {
    const port = kernel.task.createPort({ capacity: 2 });
    assert.equal(port.tryReceive(), undefined);
    assert.equal(port.trySend(Message.of(1)), true);
    assert.equal(port.trySend(Message.of(2)), true);
    assert.equal(port.trySend(Message.of(3)), false);
    assert.equal(kernel.snapshot().objects[0]!.depth, 2);
    assert.equal(port.tryReceive()!.type, 1);
    assert.equal(port.tryReceive()!.type, 2);
    assert.equal(port.tryReceive(), undefined);
    port.close();
    assert.throws(() => port.trySend(Message.of(1)), kipcError(BadHandleError, 9, 'EBADF'));
    assert.throws(() => port.tryReceive(), kipcError(BadHandleError, 9, 'EBADF'));
  });
});

test('wait/waitAsync report ready events and block until one happens (woken by another task)', async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const port = init.createPort({ capacity: 1 });
    assert.equal(port.wait(), EVENT_WRITABLE, 'empty: writable only');
    assert.equal(await port.waitAsync(), EVENT_WRITABLE);
    port.send(Message.of(1));
    assert.equal(port.wait(), EVENT_READABLE, 'full: readable only');
    port.bind('/t/wait');
    const sendOnly = init.connect('/t/wait');
    assert.equal(sendOnly.info().rights, RIGHT_WRITE);
    assert.throws(() => sendOnly.wait({ timeout: 20 }), timedOut, 'a send-only handle on a full port has nothing ready');
    await assert.rejects(sendOnly.waitAsync({ timeout: 20 }), timedOut);
    const pending = sendOnly.waitAsync();
    await tick();
    port.tryReceive();
    assert.equal(await within(pending, 5_000, 'waitAsync to see room'), EVENT_WRITABLE);

    // A sync wait really sleeps until another thread makes room.
    const agent = await startAgent(kernel, { paused: true, capacity: 1 });
    assert.equal(agent.port.trySend(Message.of(5)), true);
    assert.equal(agent.port.trySend(Message.of(5)), false);
    assert.throws(() => agent.port.wait({ timeout: 20 }), timedOut);
    setWord(agent.c, AGENT.go, 1);
    assert.equal(agent.port.wait(), EVENT_WRITABLE);
    await stopAgent(agent);
    sendOnly.close();
    port.close();
  });
});

test('the timeout option: TimeoutError (errno 110, ETIMEDOUT) from every blocking form', async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const port = kernel.task.createPort({ capacity: 1 });
    assert.throws(() => port.receive({ timeout: 0 }), timedOut);
    assert.throws(() => port.receive({ timeout: 10 }), timedOut);
    await assert.rejects(port.receiveAsync({ timeout: 10 }), timedOut);
    port.send(Message.of(1));
    assert.throws(() => port.send(Message.of(2), { timeout: 10 }), timedOut);
    await assert.rejects(port.sendAsync(Message.of(2), { timeout: 10 }), timedOut);
    assert.equal(port.receive().type, 1, 'the timed-out sends left nothing behind');
    assert.equal(port.tryReceive(), undefined);
    port.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('a call that times out while still queued is withdrawn: the server never sees it', async () => {
  await withGuardedKernel(async (kernel) => {
    const agent = await startAgent(kernel, { paused: true });
    const baseline = kernel.usage();
    assert.throws(() => agent.port.call(Message.of(1).setU32(0, 100), { timeout: 30 }), timedOut);
    await assert.rejects(agent.port.callAsync(Message.of(1).setU32(0, 200), { timeout: 30 }), timedOut);
    assert.deepEqual(kernel.usage(), baseline, 'the call slots of the timed-out calls are free');
    setWord(agent.c, AGENT.go, 1);
    assert.equal(agent.port.call(Message.of(1).setU32(0, 300)).getU32(0), 301);
    assert.equal(Atomics.load(agent.c, AGENT.received), 1, 'the server saw only the call that was answered');
    assert.equal(Atomics.load(agent.c, AGENT.log), (1 << 16) | 300);
    await stopAgent(agent);
  });
});

// cancelCall's doc: "A call still queued is taken back out of its queue as if never sent".
test('a withdrawn call gives its place in the queue back: senders find the room it took', async () => {
  await withGuardedKernel(async (kernel) => {
    const agent = await startAgent(kernel, { paused: true, capacity: 2 });
    await assert.rejects(agent.port.callAsync(Message.of(1), { timeout: 20 }), timedOut);
    await assert.rejects(agent.port.callAsync(Message.of(1), { timeout: 20 }), timedOut);
    assert.equal(agent.port.trySend(Message.of(5)), true, 'room for a first message');
    assert.equal(agent.port.trySend(Message.of(5)), true, 'room for a second message');
    const port = kernel.snapshot().objects.find((o) => o.names.includes(agent.path))!;
    assert.equal(port.depth, 2, 'the snapshot counts the two live messages only');
    await stopAgent(agent);
  });
});

test('a call that times out after the server received it: TimeoutError, and the late reply finds the caller gone', async () => {
  await withGuardedKernel(async (kernel) => {
    const agent = await startAgent(kernel);
    const baseline = kernel.usage();
    await assert.rejects(agent.port.callAsync(Message.of(2).setU32(0, 7), { timeout: 1_000 }), timedOut);
    if (Atomics.load(agent.c, AGENT.received) === 1) {
      setWord(agent.c, AGENT.release, 1);
      await waitFor(() => Atomics.load(agent.c, AGENT.replyResult) !== 0, 'the server to answer');
      assert.equal(Atomics.load(agent.c, AGENT.replyResult), 2, 'task.reply returned false: the caller gave up');
    } else {
      // The server was slower than the deadline: then the call must have been withdrawn.
      assert.equal(kernel.snapshot().objects.find((o) => o.names.includes(agent.path))!.depth, 0);
    }
    assert.deepEqual(kernel.usage(), baseline, 'the abandoned call slot is freed by the reply');
    assert.equal(agent.port.call(Message.of(1).setU32(0, 1)).getU32(0), 2, 'the next call gets its own answer, not the stale one');
    await stopAgent(agent);
  });
});

test('AbortSignal: InterruptedError (errno 4, EINTR) with the reason as cause, on every async form', async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const port = init.createPort({ capacity: 1 });
    const reason = new Error('enough');

    let ac = new AbortController();
    const receiving = port.receiveAsync({ signal: ac.signal });
    await tick();
    ac.abort(reason);
    await assert.rejects(receiving, kipcError(InterruptedError, 4, 'EINTR', reason));
    await assert.rejects(port.receiveAsync({ signal: AbortSignal.abort(reason) }), kipcError(InterruptedError, 4, 'EINTR', reason));
    // The aborted waiter does not swallow the next message.
    const next = port.receiveAsync();
    await tick();
    port.send(Message.of(1));
    assert.equal((await within(next, 5_000, 'a receive after an aborted one')).type, 1);

    port.send(Message.of(2));
    ac = new AbortController();
    const sending = port.sendAsync(Message.of(3), { signal: ac.signal });
    await tick();
    ac.abort(reason);
    await assert.rejects(sending, kipcError(InterruptedError, 4, 'EINTR', reason));
    port.bind('/t/abort');
    const sendOnly = init.connect('/t/abort');
    ac = new AbortController();
    const waiting = sendOnly.waitAsync({ signal: ac.signal });
    await tick();
    ac.abort(reason);
    await assert.rejects(waiting, kipcError(InterruptedError, 4, 'EINTR', reason));
    assert.equal(port.receive().type, 2);
    assert.equal(port.tryReceive(), undefined, 'the aborted send sent nothing');
    sendOnly.close();
    port.close();
    assert.deepEqual(kernel.usage(), baseline);

    // callAsync aborted while queued: withdrawn, the server never sees it.
    const agent = await startAgent(kernel, { paused: true });
    const withAgent = kernel.usage();
    ac = new AbortController();
    const queued = agent.port.callAsync(Message.of(1).setU32(0, 11), { signal: ac.signal });
    await tick();
    ac.abort(reason);
    await assert.rejects(queued, kipcError(InterruptedError, 4, 'EINTR', reason));
    assert.deepEqual(kernel.usage(), withAgent);
    setWord(agent.c, AGENT.go, 1);
    // callAsync aborted after the server received it: abandoned, the reply finds it gone.
    ac = new AbortController();
    const held = agent.port.callAsync(Message.of(2).setU32(0, 12), { signal: ac.signal });
    await waitFor(() => Atomics.load(agent.c, AGENT.received) === 1, 'the agent to receive the call');
    assert.equal(Atomics.load(agent.c, AGENT.log), (2 << 16) | 12, 'the first call the agent saw is the second one made');
    ac.abort(reason);
    await assert.rejects(held, kipcError(InterruptedError, 4, 'EINTR', reason));
    setWord(agent.c, AGENT.release, 1);
    await waitFor(() => Atomics.load(agent.c, AGENT.replyResult) !== 0, 'the agent to answer');
    assert.equal(Atomics.load(agent.c, AGENT.replyResult), 2);
    assert.deepEqual(kernel.usage(), withAgent);
    await stopAgent(agent);
  });
});

test('several callAsync in flight from one thread, answered in reverse order: each gets its own reply', async () => {
  await withGuardedKernel(async (kernel) => {
    const agent = await startAgent(kernel, { capacity: 8 });
    const values = [11, 12, 13, 14, 15, 16];
    const replies = await within(
      Promise.all(values.map((v) => agent.port.callAsync(Message.of(4).setU32(0, v).setU32(4, values.length)))),
      10_000,
      'the batch of calls',
    );
    assert.deepEqual(
      replies.map((r) => r.getU32(0)),
      values.map((v) => v * 10),
    );
    for (const r of replies) assert.equal(r.sender, agent.task.pid);
    assert.equal(kernel.usage().calls, 0);
    await stopAgent(agent);
  });
});

test('for await (const m of port) yields every message and ends when the port is destroyed', async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const agent = await startAgent(kernel);
    // The agent grants init a handle to its own port, then stops receiving on it.
    const port = init.port(agent.port.call(Message.of(7)).getU32(0));
    assert.equal(port.info().rights, RIGHTS_ALL);
    for (const n of [1, 2, 3]) port.send(Message.of(5).setU32(0, n));
    const got: number[] = [];
    const iterating = (async () => {
      for await (const m of port) {
        got.push(m.getU32(0));
        // The owner dies once the iteration has had everything and waits for more.
        if (got.length === 3) setWord(agent.c, AGENT.release, 1);
      }
    })();
    await within(iterating, 10_000, 'the iteration to end when the port is destroyed');
    assert.deepEqual(got, [1, 2, 3]);
    assert.equal((await within(agent.task.exited, 10_000, 'the agent to exit')).code, 0);
    port.close();
    agent.port.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

// Port's doc: "Receives messages until the port is destroyed (or the handle closed)".
test('for await (const m of port) ends when its owner closes the handle it iterates', async () => {
  await withGuardedKernel(async (kernel) => {
    const port = kernel.task.createPort();
    port.send(Message.of(1));
    port.send(Message.of(2));
    const got: number[] = [];
    const iterating = (async () => {
      for await (const m of port) got.push(m.type);
    })();
    await waitFor(() => got.length === 2, 'the queued messages');
    await tick();
    port.close();
    await within(iterating, 5_000, 'the iteration to end');
    assert.deepEqual(got, [1, 2]);
  });
});

test('Port.serve answers calls from tasks (handler result, or the request), gets plain messages, ends on abort and when the port is destroyed', async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const port = init.createPort();
    port.bind('/t/serve');
    const plain: number[] = [];
    const ac = new AbortController();
    const serving = port.serve(
      async (m) => {
        if (m.callToken === 0) {
          plain.push(m.getU32(0));
          return;
        }
        await tick(1);
        const index = m.getU32(0);
        if (index % 2 === 0) return Message.of(0x81).setU32(4, index * 3); // a new message answers
        m.setU32(4, index * 2); // the request itself answers
      },
      { signal: ac.signal },
    );
    const c = controlWords(CALLER.base + 4 * CALLER.stride);
    const modes = ['sync', 'async', 'abi', 'sync'];
    const callers = modes.map((mode, index) => kernel.spawn(fixture('scenarios/fixtures/caller'), { data: { path: '/t/serve', index, ctl: c.buffer, mode } }));
    const exits = await within(Promise.all(callers.map((t) => t.exited)), 15_000, 'the callers to be answered');
    for (let i = 0; i < modes.length; i++) {
      const at = CALLER.base + i * CALLER.stride;
      assert.equal(exits[i]!.code, 0, exits[i]!.error);
      assert.equal(Atomics.load(c, at + CALLER.result), 0, `caller ${i} answered`);
      assert.equal(Atomics.load(c, at + CALLER.replyPayload1), i % 2 === 0 ? i * 3 : i * 2, `caller ${i} got its own answer`);
      assert.equal(Atomics.load(c, at + CALLER.replyType), i % 2 === 0 ? 0x81 : 7);
      assert.equal(Atomics.load(c, at + CALLER.replySender), 1, 'answered by init');
    }
    port.send(Message.of(5).setU32(0, 42));
    await waitFor(() => plain.length === 1, 'the plain message to reach the handler');
    assert.deepEqual(plain, [42]);
    ac.abort();
    await within(serving, 5_000, 'serve to stop on abort');
    port.close();
    assert.deepEqual(kernel.usage(), baseline);

    // Serving a port another task owns ends when that task dies.
    const agent = await startAgent(kernel);
    const granted = init.port(agent.port.call(Message.of(7)).getU32(0));
    const served = granted.serve(() => undefined);
    setWord(agent.c, AGENT.release, 1);
    await within(served, 10_000, 'serve to end when the port is destroyed');
    await within(agent.task.exited, 10_000, 'the agent to exit');
    granted.close();
    agent.port.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('a received call carries a one-shot reply right: task.reply works once, then PermissionError', async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const port = init.createPort();
    port.bind('/t/reply');
    const c = controlWords(CALLER.base + CALLER.stride);
    const caller = kernel.spawn(fixture('scenarios/fixtures/caller'), { data: { path: '/t/reply', index: 0, ctl: c.buffer, mode: 'sync' } });
    const call = await within(port.receiveAsync(), 10_000, 'the call');
    assert.equal(call.sender, caller.pid);
    assert.notEqual(call.callToken, 0);
    assert.throws(() => init.reply(Message.of(1)), kipcError(PermissionError, 1, 'EPERM'), 'no right to answer a call never received');
    assert.equal(init.reply(call.setU32(4, 77)), true);
    assert.throws(() => init.reply(call), kipcError(PermissionError, 1, 'EPERM'), 'the right was used up');
    assert.equal((await within(caller.exited, 10_000, 'the caller')).code, 0);
    assert.equal(Atomics.load(c, CALLER.base + CALLER.replyPayload1), 77);
    port.close();
  });
});

test('errors carry errno and code: EBADF, EPERM, ENOENT, EEXIST, EINVAL, EPIPE', async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const port = init.createPort();
    port.bind('/t/errors');
    assert.throws(() => port.bind('/t/errors'), kipcError(AlreadyExistsError, 17, 'EEXIST'));
    assert.throws(() => port.bind('no-slash'), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    assert.throws(() => init.createPort({ capacity: 0 }), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    assert.throws(() => init.connect('/t/missing'), kipcError(NotFoundError, 2, 'ENOENT'));
    const sendOnly = init.connect('/t/errors');
    assert.throws(() => sendOnly.receive({ timeout: 0 }), kipcError(PermissionError, 1, 'EPERM'), 'a connect handle cannot receive');
    assert.throws(() => sendOnly.tryReceive(), kipcError(PermissionError, 1, 'EPERM'));
    const dup = port.duplicate();
    dup.close();
    assert.throws(() => dup.info(), kipcError(BadHandleError, 9, 'EBADF'));
    assert.throws(() => dup.send(Message.of(1)), kipcError(BadHandleError, 9, 'EBADF'));
    try {
      init.connect('/t/missing');
    } catch (error) {
      assert.match((error as Error).message, /connect/, 'the message names the operation');
    }
    sendOnly.close();
    port.close();
    assert.deepEqual(kernel.usage().handles, 0);

    // EPIPE: the port's owner is gone.
    const agent = await startAgent(kernel);
    await agent.port.sendAsync(Message.of(99));
    await within(agent.task.exited, 10_000, 'the agent to exit');
    assert.throws(() => agent.port.send(Message.of(1)), kipcError(BrokenPipeError, 32, 'EPIPE'));
    await assert.rejects(agent.port.sendAsync(Message.of(1)), kipcError(BrokenPipeError, 32, 'EPIPE'));
    await assert.rejects(agent.port.callAsync(Message.of(1)), kipcError(BrokenPipeError, 32, 'EPIPE'));
    assert.throws(() => agent.port.call(Message.of(1)), kipcError(BrokenPipeError, 32, 'EPIPE'));
    assert.throws(() => agent.port.trySend(Message.of(1)), kipcError(BrokenPipeError, 32, 'EPIPE'));
    assert.throws(() => agent.port.wait(), kipcError(BrokenPipeError, 32, 'EPIPE'));
    agent.port.close();
    assert.deepEqual(kernel.usage().handles, 0);
  });
});

// docs/objects/port.md, "Lifecycle": a port dies when its owner closes its
// last handle with read right, or dies. A send-only handle the owner got from connect() keeps the
// port alive and bound today, although nobody can ever receive from it again:
// senders fill it and then block for good.
test('a port dies when its owner closes its receiving handle, even if the owner still holds a send-only handle to it', async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const port = init.createPort({ capacity: 1 });
    port.bind('/t/orphan');
    const sendOnly = init.connect('/t/orphan');
    port.close();
    assert.deepEqual(kernel.snapshot().names, [], 'its name went with it');
    assert.throws(() => sendOnly.send(Message.of(1), { timeout: 50 }), kipcError(BrokenPipeError, 32, 'EPIPE'));
    sendOnly.close();
    assert.equal(kernel.usage().objects, 0);
  });
});

// What a user expects (README.md, "Kernel"): after kernel.close() nothing of
// the kernel should keep waiting. Today a pending receiveAsync on init is
// never settled, and its keep-alive timer holds the process open for good.
test("kernel.close() settles init's pending async operations", async () => {
  const kernel = Kernel.create();
  const port = kernel.task.createPort();
  const ac = new AbortController();
  const pending = port.receiveAsync({ signal: ac.signal }).then(
    () => 'resolved',
    (error: unknown) => error,
  );
  await kernel.close();
  try {
    const outcome = await within(pending, 3_000, 'the pending receiveAsync to settle after close');
    assert.ok(outcome instanceof KipcError, `expected a KipcError (e.g. EPIPE), got ${String(outcome)}`);
  } finally {
    // Releases the wait if close did not, so that this process can exit.
    ac.abort();
  }
});
