/**
 * Regression tests for issue 13's findings 2 and 9: a wrong argument to the
 * typed API is an InvalidArgumentError thrown before any lock is taken (it
 * used to throw inside a critical section and leave a queue lock held, so
 * that every other task's operation on that object hung, deadline or not);
 * waiting for a queue lock honours the operation's deadline and signal;
 * a Message is the target of one pending receive at a time; sizes out of
 * range are EINVAL, not ENOMEM.
 *
 * Each test that used to hang bounds the wait with a generous deadline, so
 * the old behaviour fails instead of stalling the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterruptedError, InvalidArgumentError, type Kernel, Message, OutOfMemoryError } from '../../src/index.js';
import { EINVAL } from '../../src/core/errno.js';
import { SYS_IPC_RING_CREATE } from '../../src/syscalls/numbers.js';
import { kipcError, timedOut } from '../support/errors.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { setWord } from '../support/control-words.js';
import { AGENT, type Agent, spawnAgent } from './fixtures/validation-agent-client.js';

const invalidArgument = kipcError(InvalidArgumentError, EINVAL, 'EINVAL');
const interrupted = (e: unknown): boolean => e instanceof InterruptedError;
/** A hang bound, never a timing assertion. */
const HANG_MS = 20_000;

/** Waits for the agent's report: its result on success, else fails with its errno. */
async function agentSucceeds(agent: Agent, what: string): Promise<number> {
  await waitFor(() => Atomics.load(agent.control, AGENT.state) !== 0, what, HANG_MS);
  assert.equal(Atomics.load(agent.control, AGENT.state), 1, `${what} failed with errno ${Atomics.load(agent.control, AGENT.errno)}`);
  return Atomics.load(agent.control, AGENT.result);
}

test('ring.write with a string throws InvalidArgumentError and leaves no lock held: another task writes with a timeout', async () => {
  await withKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    assert.throws(() => ring.write('hello' as unknown as Uint8Array), invalidArgument);
    assert.throws(() => ring.write([1, 2, 3] as unknown as Uint8Array), invalidArgument);
    await assert.rejects(ring.writeAsync('hello' as unknown as Uint8Array), invalidArgument);
    const agent = spawnAgent(kernel, ring, 'ring-write');
    await agentSucceeds(agent, "another task's ring write");
    const into = new Uint8Array(16);
    assert.equal(new TextDecoder().decode(into.subarray(0, ring.read(into, { timeout: HANG_MS }))), 'fine!');
  });
});

test('ring.read into a plain array throws InvalidArgumentError with bytes queued, and another task then reads them', async () => {
  await withKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    ring.write(new Uint8Array([1, 2, 3]));
    assert.throws(() => ring.read([0, 0, 0] as unknown as Uint8Array), invalidArgument);
    assert.throws(() => ring.tryRead(new Int32Array(4) as unknown as Uint8Array), invalidArgument);
    const detached = new Uint8Array(8);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    assert.throws(() => ring.read(detached), invalidArgument);
    const agent = spawnAgent(kernel, ring, 'ring-read');
    assert.equal(await agentSucceeds(agent, "another task's ring read"), 3);
  });
});

test("a Message's own getters are never consulted: a throwing one neither fails the send nor leaves the port's send lock held", async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort({ capacity: 4 });
    class Booby extends Message {
      constructor() {
        super();
        Object.defineProperty(this, 'words', { get: () => { throw new Error('boom'); } });
        Object.defineProperty(this, 'bytes', { get: () => { throw new Error('boom'); } });
      }
    }
    const booby = new Booby();
    booby.type = 3;
    port.send(booby, { timeout: HANG_MS });
    // A look-alike that is not a Message, with a getter the old kernel read under the send lock.
    const lookalike = { bytes: new Uint8Array(64), get words(): Int32Array { throw new Error('boom'); } };
    assert.throws(() => port.send(lookalike as unknown as Message), invalidArgument);
    const proxy = new Proxy(new Message(), { get: () => { throw new Error('trap'); } });
    assert.throws(() => port.send(proxy), invalidArgument);
    assert.throws(() => port.trySend(proxy), invalidArgument);
    const agent = spawnAgent(kernel, port, 'port-send');
    await agentSucceeds(agent, "another task's port send");
    assert.equal(port.receive({ timeout: HANG_MS }).type, 3);
    assert.equal(port.receive({ timeout: HANG_MS }).type, 7);
  });
});

test('timeouts that are NaN, negative, objects or strings throw InvalidArgumentError at once, with the operation not done', async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort();
    port.send(Message.of(1));
    const semaphore = kernel.task.createSemaphore(1);
    for (const timeout of [NaN, -1, {}, '5', null, -Infinity]) {
      const options = { timeout } as unknown as { timeout: number };
      assert.throws(() => port.receive(options), invalidArgument, `receive, timeout ${String(timeout)}`);
      assert.throws(() => semaphore.acquire(options), invalidArgument);
      await assert.rejects(port.receiveAsync(options), invalidArgument);
    }
    assert.throws(() => port.receive('soon' as unknown as { timeout: number }), invalidArgument);
    await assert.rejects(port.receiveAsync({ signal: {} as AbortSignal }), invalidArgument);
    const throwing = { get timeout(): number { throw new RangeError('getter'); } };
    assert.throws(() => port.receive(throwing), RangeError);
    // Nothing was taken: the message and the unit are still there.
    assert.equal(port.tryReceive()?.type, 1);
    assert.equal(semaphore.tryAcquire(), true);
    // Zero and Infinity stay valid.
    assert.throws(() => port.receive({ timeout: 0 }), timedOut);
    port.send(Message.of(2));
    assert.equal(port.receive({ timeout: Infinity }).type, 2);
  });
});

test('a second async receive into a Message already awaiting one is InvalidArgumentError, and no message is lost', async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort();
    const into = new Message();
    const first = port.receiveAsync({ into, timeout: HANG_MS });
    await assert.rejects(port.receiveAsync({ into, timeout: HANG_MS }), invalidArgument);
    assert.throws(() => port.receive({ into, timeout: 0 }), invalidArgument);
    assert.throws(() => port.tryReceive(into), invalidArgument);
    const { sender, receiver } = kernel.task.createChannel();
    const channelInto = new Message();
    const onChannel = receiver.receiveAsync({ into: channelInto, timeout: HANG_MS });
    await assert.rejects(receiver.receiveAsync({ into: channelInto, timeout: HANG_MS }), invalidArgument);
    port.send(Message.of(1));
    port.send(Message.of(2));
    sender.send(Message.of(5));
    assert.equal(await within(first, HANG_MS, 'the first receive'), into);
    assert.equal(into.type, 1);
    assert.equal(port.tryReceive()?.type, 2, 'the second message is still queued');
    assert.equal((await within(onChannel, HANG_MS, 'the channel receive')).type, 5);
    // Once settled, the Message can be received into again.
    port.send(Message.of(3));
    assert.equal((await port.receiveAsync({ into, timeout: HANG_MS })).type, 3);
  });
});

test('createRing with a size out of range is EINVAL (InvalidArgumentError), not ENOMEM; too big for the pool stays ENOMEM', async () => {
  await withKernel(async (kernel) => {
    const task = kernel.task;
    for (const size of [1e300, 2 ** 31, NaN, -1, 0, 1.5]) {
      assert.throws(() => task.createRing(size), invalidArgument, `createRing(${size})`);
      assert.equal(task.syscall(SYS_IPC_RING_CREATE, size), -EINVAL, `IPC_RING_CREATE(${size})`);
    }
    assert.throws(() => task.createRing(64 * 1024 * 1024), (e: unknown) => e instanceof OutOfMemoryError);
  }, { pages: 64 });
});

/** Spawns an agent that takes `object`'s send lock and holds it; resolves once it does. */
async function lockHolder(kernel: Kernel, object: Parameters<typeof spawnAgent>[1], type: 'ring' | 'port'): Promise<Agent> {
  const holder = spawnAgent(kernel, object, 'hold-send-lock', type);
  await waitFor(() => Atomics.load(holder.control, AGENT.state) === 1, 'the lock holder', HANG_MS);
  return holder;
}

test('a queue lock held by a live task: writes and sends time out (sync) or abort (async) instead of hanging, then go through once it is let go', async () => {
  await withKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const port = kernel.task.createPort();
    const ringHolder = await lockHolder(kernel, ring, 'ring');
    const portHolder = await lockHolder(kernel, port, 'port');
    const bytes = new Uint8Array([9, 9]);
    assert.throws(() => ring.write(bytes, { timeout: 200 }), timedOut);
    await assert.rejects(ring.writeAsync(bytes, { timeout: 200 }), timedOut);
    assert.throws(() => port.send(Message.of(1), { timeout: 200 }), timedOut);
    // A call takes the kernel lock before the send lock: it must let go of the kernel lock to wait.
    assert.throws(() => port.call(Message.of(1), { timeout: 200 }), timedOut);
    // The async wait leaves the event loop free: a timer can abort it.
    const controller = new AbortController();
    const aborted = ring.writeAsync(bytes, { signal: controller.signal });
    const abortedSend = port.sendAsync(Message.of(1), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await within(assert.rejects(aborted, interrupted), HANG_MS, 'the aborted ring write');
    await within(assert.rejects(abortedSend, interrupted), HANG_MS, 'the aborted port send');
    // A write waiting without a deadline goes through once the holder lets go.
    const waiting = ring.writeAsync(bytes);
    const waitingSend = port.sendAsync(Message.of(4));
    setWord(ringHolder.control, AGENT.go, 1);
    setWord(portHolder.control, AGENT.go, 1);
    await within(waiting, HANG_MS, 'the ring write after the release');
    await within(waitingSend, HANG_MS, 'the port send after the release');
    assert.equal(ring.read(new Uint8Array(8), { timeout: HANG_MS }), 2);
    assert.equal(port.receive({ timeout: HANG_MS }).type, 4);
    await waitFor(() => Atomics.load(ringHolder.control, AGENT.state) === 3 && Atomics.load(portHolder.control, AGENT.state) === 3, 'the holders to finish', HANG_MS);
  });
});
