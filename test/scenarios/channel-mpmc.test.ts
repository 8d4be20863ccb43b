/**
 * Channels through the typed API under real threads: Strat9's self-test scenario 2 as
 * written (capacity 4, two producers, one consumer that receives until
 * EPIPE), a load of 200,000 messages through 4 producer and 4 consumer
 * tasks, and closing one side while the other side's tasks are blocked:
 * everyone wakes, and no value is both delivered and reported failed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokenPipeError, Message, type ChannelReceiver, type ChannelSender, type Kernel, type ObjectInfo, type TaskExit, type TaskHandle } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { FLOW, S2, SEQ_BITS, SEQ_MASK, consumerWord, producerWord } from '../api/fixtures/typed-api.js';
import { controlWords, setWord, sharedBuffer } from '../support/control-words.js';
import { isBlockedOn } from '../support/blocked.js';

// Init's sync kernel calls (grant, close, snapshot) could block its thread on a wedged kernel: the watchdog catches that.
const watchdog = startWatchdog(120_000, 'channel MPMC scenarios');
after(() => watchdog.stop());

const T = { timeout: 120_000 };

function channelInfo(kernel: Kernel, id: number): ObjectInfo | undefined {
  return kernel.snapshot().objects.find((o) => o.id === id);
}

function assertExitedCleanly(exits: TaskExit[], what: string): void {
  exits.forEach((exit, i) => assert.equal(exit.code, 0, `${what} ${i}: ${exit.error ?? ''}`));
}

for (const iterate of [false, true]) {
  const how = iterate ? '`for await` until the iteration ends' : 'receive() until BrokenPipeError';
  test(`Strat9 scenario 2: capacity 4, producer 1 sends 1, 2, 3 and closes, producer 2 waits for the blocked consumer, sends 4, 5 and closes; the consumer (${how}) gets exactly 5`, T, async () => {
    await withGuardedKernel(async (kernel) => {
      const init = kernel.task;
      const baseline = kernel.usage();
      const c = controlWords(S2.words);
      const { sender, receiver } = init.createChannel({ capacity: 4 });
      const id = sender.info().objectId;
      assert.equal(receiver.info().objectId, id, 'both ends name one channel');
      assert.equal(channelInfo(kernel, id)!.capacity, 4);

      const consumer = kernel.spawn(fixture('scenarios/fixtures/channel-mpmc-consumer'), { data: { ctl: c.buffer, iterate } });
      Atomics.store(c, S2.consumerPid, consumer.pid);
      const p1 = kernel.spawn(fixture('scenarios/fixtures/channel-mpmc-producer'), { data: { ctl: c.buffer, number: 1, values: [1, 2, 3] } });
      const p2 = kernel.spawn(fixture('scenarios/fixtures/channel-mpmc-producer'), { data: { ctl: c.buffer, number: 2, values: [4, 5], afterReceived: 3 } });
      const granted = [receiver.grant(consumer.pid), sender.grant(p1.pid), sender.grant(p2.pid)];
      assert.deepEqual(channelInfo(kernel, id)!.ends, { senders: 3, receivers: 2 }, 'granted ends count as ends');
      // Init's own ends go: otherwise the channel would never end for the consumer.
      sender.close();
      receiver.close();
      assert.deepEqual(channelInfo(kernel, id)!.ends, { senders: 2, receivers: 1 });
      setWord(c, S2.consumerHandle, granted[0]!);
      setWord(c, S2.producerHandle, granted[1]!);
      setWord(c, S2.producerHandle + 1, granted[2]!);

      const exits = await within(Promise.all([consumer.exited, p1.exited, p2.exited]), 30_000, 'scenario 2 to finish');
      assertExitedCleanly(exits, 'task');
      assert.equal(Atomics.load(c, S2.sawBlocked), 1, 'producer 2 saw the consumer blocked before sending');
      assert.equal(Atomics.load(c, S2.ended), iterate ? 2 : 1, `the consumer's end (error errno ${Atomics.load(c, S2.error)})`);
      assert.equal(Atomics.load(c, S2.received), 5, 'exactly 5 messages');
      assert.deepEqual(Array.from(c.subarray(S2.log, S2.log + 5)), [1, 2, 3, 4, 5]);
      assert.equal(channelInfo(kernel, id), undefined, 'the channel is gone with its last end');
      assert.deepEqual(kernel.usage(), baseline);
    });
  });
}

// --- flows of checked messages (fixtures channel-flow-producer, channel-flow-consumer) ---

interface ProducerSpec {
  count: number;
  useAsync?: boolean;
  hold?: boolean;
}
interface ConsumerSpec {
  mode: 'receive' | 'receiveAsync' | 'iterate';
  stoppable?: boolean;
  closeOnSignal?: boolean;
}
interface Flow {
  c: Int32Array;
  producers: TaskHandle[];
  consumers: TaskHandle[];
  logs: SharedArrayBuffer[];
}

/** Spawns the tasks, writes the producers' pids, then grants each its end. */
function startFlow(kernel: Kernel, sender: ChannelSender<Message>, receiver: ChannelReceiver<Message>, producers: ProducerSpec[], consumers: ConsumerSpec[], logEntries: number): Flow {
  const c = controlWords(FLOW.words);
  const logs = consumers.map(() => sharedBuffer(logEntries * 4));
  const consumerTasks = consumers.map((spec, index) => kernel.spawn(fixture('scenarios/fixtures/channel-flow-consumer'), { data: { ctl: c.buffer, index, log: logs[index], ...spec } }));
  const producerTasks = producers.map((spec, index) => {
    const task = kernel.spawn(fixture('scenarios/fixtures/channel-flow-producer'), { data: { ctl: c.buffer, index, ...spec } });
    Atomics.store(c, producerWord(index, FLOW.pid), task.pid);
    return task;
  });
  consumerTasks.forEach((task, index) => setWord(c, consumerWord(index, FLOW.handle), receiver.grant(task.pid)));
  producerTasks.forEach((task, index) => setWord(c, producerWord(index, FLOW.handle), sender.grant(task.pid)));
  return { c, producers: producerTasks, consumers: consumerTasks, logs };
}

interface Tally {
  /** Per producer: which sequence numbers were received (index seq - 1). */
  seen: Uint8Array[];
  received: number;
  sent: number[];
}

/**
 * Checks every consumer's log against what the producers say they sent:
 * no corrupt message, the kernel-written sender right, each received
 * message sent successfully (seq <= sent, so never one whose send failed),
 * none twice, and FIFO per producer within each consumer.
 */
function tally(flow: Flow, producerCount: number): Tally {
  const { c } = flow;
  const sent = Array.from({ length: producerCount }, (_, p) => Atomics.load(c, producerWord(p, FLOW.sent)));
  const seen = sent.map((n) => new Uint8Array(n));
  let received = 0;
  flow.logs.forEach((buffer, i) => {
    assert.equal(Atomics.load(c, consumerWord(i, FLOW.corrupt)), 0, `consumer ${i}: no torn or foreign message`);
    assert.equal(Atomics.load(c, consumerWord(i, FLOW.wrongSender)), 0, `consumer ${i}: the sender is always the producer's pid`);
    assert.equal(Atomics.load(c, consumerWord(i, FLOW.error)), 0, `consumer ${i}: no unexpected error`);
    const log = new Int32Array(buffer);
    const n = Atomics.load(c, consumerWord(i, FLOW.received));
    const last = new Array<number>(producerCount).fill(0);
    for (let k = 0; k < n; k++) {
      const p = log[k]! >>> SEQ_BITS;
      const seq = log[k]! & SEQ_MASK;
      assert.ok(p < producerCount && seq >= 1, `consumer ${i}: entry ${k} (${p}/${seq}) is a real message`);
      assert.ok(seq <= sent[p]!, `consumer ${i} received producer ${p}'s seq ${seq}, but only 1..${sent[p]} were sent successfully`);
      assert.ok(seq > last[p]!, `consumer ${i}: producer ${p} went from ${last[p]} to ${seq} (not FIFO)`);
      last[p] = seq;
      assert.equal(seen[p]![seq - 1], 0, `producer ${p} seq ${seq} delivered twice`);
      seen[p]![seq - 1] = 1;
      received++;
    }
  });
  return { seen, received, sent };
}

const PRODUCERS = 4;
const CONSUMERS = 4;
const CONSUMER_MODES: ConsumerSpec['mode'][] = ['receive', 'iterate', 'receiveAsync', 'receive'];

test('4 producer and 4 consumer tasks, 200,000 messages through one channel: each delivered exactly once, intact, FIFO per producer; the channel ends for every consumer; usage back to baseline', T, async (t) => {
  const TOTAL = 200_000;
  const PER_PRODUCER = TOTAL / PRODUCERS;
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const { sender, receiver } = kernel.task.createChannel();
    const id = sender.info().objectId;
    assert.equal(channelInfo(kernel, id)!.capacity, 64, 'the default capacity');
    const started = performance.now();
    const flow = startFlow(
      kernel,
      sender,
      receiver,
      Array.from({ length: PRODUCERS }, (_, i) => ({ count: PER_PRODUCER, useAsync: i % 2 === 1 })),
      CONSUMER_MODES.map((mode) => ({ mode })),
      TOTAL,
    );
    sender.close();
    receiver.close();

    assertExitedCleanly(await within(Promise.all(flow.producers.map((p) => p.exited)), 90_000, 'the producers to send everything'), 'producer');
    assertExitedCleanly(await within(Promise.all(flow.consumers.map((p) => p.exited)), 30_000, 'the consumers to see the channel end'), 'consumer');
    t.diagnostic(`${TOTAL} messages in ${Math.round(performance.now() - started)} ms (including task start-up)`);

    for (let p = 0; p < PRODUCERS; p++) {
      assert.equal(Atomics.load(flow.c, producerWord(p, FLOW.error)), 0, `producer ${p}: no error`);
      assert.equal(Atomics.load(flow.c, producerWord(p, FLOW.failed)), 0, `producer ${p}: no failed send`);
      assert.equal(Atomics.load(flow.c, producerWord(p, FLOW.sent)), PER_PRODUCER, `producer ${p} sent everything`);
    }
    CONSUMER_MODES.forEach((mode, i) =>
      assert.equal(Atomics.load(flow.c, consumerWord(i, FLOW.ended)), mode === 'iterate' ? 2 : 1, `consumer ${i} (${mode}) ended with the channel`),
    );
    const { received } = tally(flow, PRODUCERS);
    t.diagnostic(`per consumer: ${CONSUMER_MODES.map((_, i) => Atomics.load(flow.c, consumerWord(i, FLOW.received))).join(', ')}`);
    assert.equal(received, TOTAL, 'every message delivered');
    assert.equal(channelInfo(kernel, id), undefined, 'the channel is gone');
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('the last receiver ends close while 4 producers are blocked on a full channel: every producer wakes with BrokenPipeError, its value not delivered; sent = received + what stayed queued', T, async () => {
  const CAPACITY = 8;
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const { sender, receiver } = kernel.task.createChannel({ capacity: CAPACITY });
    const id = sender.info().objectId;
    const flow = startFlow(
      kernel,
      sender,
      receiver,
      Array.from({ length: PRODUCERS }, (_, i) => ({ count: Infinity, useAsync: i % 2 === 1 })),
      ['receive', 'receiveAsync', 'iterate', 'receive'].map((mode) => ({ mode: mode as ConsumerSpec['mode'], stoppable: true, closeOnSignal: true })),
      1 << 20,
    );
    sender.close();
    receiver.close();
    const { c } = flow;
    const totalReceived = (): number => flow.consumers.reduce((sum, _, i) => sum + Atomics.load(c, consumerWord(i, FLOW.received)), 0);
    await waitFor(() => totalReceived() >= 4096, 'messages to flow', 30_000);

    // The consumers stop receiving (holding their ends); the producers fill the channel and block.
    setWord(c, FLOW.stop, 1);
    await waitFor(() => flow.consumers.every((_, i) => Atomics.load(c, consumerWord(i, FLOW.state)) === 2), 'the consumers to stop', 30_000);
    await waitFor(() => {
      const snap = kernel.snapshot();
      return flow.producers.every((p) => isBlockedOn(snap, p.pid, 'channel', 'writable', id));
    }, 'every producer to block on the full channel', 30_000);
    const info = channelInfo(kernel, id)!;
    assert.equal(info.depth, CAPACITY, 'the channel is full');
    assert.deepEqual(info.ends, { senders: PRODUCERS, receivers: CONSUMERS });
    assert.equal(info.waiters.senders, PRODUCERS);

    // Now the receiver ends go, one by one: the last one wakes every blocked producer.
    setWord(c, FLOW.close, 1);
    assertExitedCleanly(await within(Promise.all(flow.consumers.map((p) => p.exited)), 30_000, 'the consumers to close their ends'), 'consumer');
    assertExitedCleanly(await within(Promise.all(flow.producers.map((p) => p.exited)), 30_000, 'every blocked producer to wake'), 'producer');

    const { seen, received, sent } = tally(flow, PRODUCERS);
    for (let p = 0; p < PRODUCERS; p++) {
      assert.equal(Atomics.load(c, producerWord(p, FLOW.error)), 0, `producer ${p}: no unexpected error`);
      assert.equal(Atomics.load(c, producerWord(p, FLOW.failed)), sent[p]! + 1, `producer ${p}: its blocked send (the one after the last that returned) failed with BrokenPipeError`);
    }
    for (let i = 0; i < CONSUMERS; i++) assert.equal(Atomics.load(c, consumerWord(i, FLOW.ended)), 3, `consumer ${i} was stopped, not ended`);
    const undelivered = seen.reduce((sum, s) => sum + s.reduce((n, x) => n + (x === 0 ? 1 : 0), 0), 0);
    const totalSent = sent.reduce((a, b) => a + b, 0);
    assert.equal(undelivered, CAPACITY, 'exactly the values still queued at the close were sent but not received');
    assert.equal(totalSent, received + CAPACITY);
    assert.equal(channelInfo(kernel, id), undefined);
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('the last sender ends go while 4 consumers are blocked on an empty channel (three close, the last dies with its task): every consumer wakes with BrokenPipeError / iteration end; sent = received', T, async () => {
  const PER_PRODUCER = 5_000;
  const modes: ConsumerSpec['mode'][] = ['receive', 'receiveAsync', 'iterate', 'receive'];
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const { sender, receiver } = kernel.task.createChannel({ capacity: 4 });
    const id = sender.info().objectId;
    const flow = startFlow(
      kernel,
      sender,
      receiver,
      Array.from({ length: PRODUCERS }, (_, i) => ({ count: PER_PRODUCER, useAsync: i % 2 === 0, hold: true })),
      modes.map((mode) => ({ mode })),
      PRODUCERS * PER_PRODUCER,
    );
    sender.close();
    receiver.close();
    const { c } = flow;
    await waitFor(() => flow.producers.every((_, p) => Atomics.load(c, producerWord(p, FLOW.done)) === 1), 'the producers to send everything', 60_000);
    // A consumer woken for the last message still shows as blocked until it runs: wait for the channel to be drained too.
    const allConsumersBlocked = (): boolean => {
      const snap = kernel.snapshot();
      return flow.consumers.every((t) => isBlockedOn(snap, t.pid, 'channel', 'readable', id)) && channelInfo(kernel, id)!.depth === 0;
    };
    await waitFor(allConsumersBlocked, 'every consumer to block on the drained channel', 30_000);
    assert.equal(channelInfo(kernel, id)!.depth, 0);

    for (let p = 0; p < PRODUCERS - 1; p++) {
      setWord(c, producerWord(p, FLOW.closeNow), 1);
      await waitFor(() => Atomics.load(c, producerWord(p, FLOW.done)) === 2, `producer ${p} to close its end`);
      assert.deepEqual(channelInfo(kernel, id)!.ends, { senders: PRODUCERS - 1 - p, receivers: CONSUMERS });
      // A sender end left: the consumers go back to sleep, none has seen an end.
      await waitFor(allConsumersBlocked, 'the consumers to stay blocked', 30_000);
      for (let i = 0; i < CONSUMERS; i++) assert.equal(Atomics.load(c, consumerWord(i, FLOW.ended)), 0, `consumer ${i} still receiving`);
    }
    // The last sender end dies with its task.
    const last = flow.producers[PRODUCERS - 1]!;
    await within(last.terminate(), 10_000, 'the last producer to be terminated');
    assertExitedCleanly(await within(Promise.all(flow.consumers.map((t) => t.exited)), 30_000, 'every blocked consumer to wake'), 'consumer');
    assertExitedCleanly(await within(Promise.all(flow.producers.slice(0, -1).map((t) => t.exited)), 10_000, 'the producers to exit'), 'producer');

    modes.forEach((mode, i) => assert.equal(Atomics.load(c, consumerWord(i, FLOW.ended)), mode === 'iterate' ? 2 : 1, `consumer ${i} (${mode}) saw the channel end`));
    const { received, sent } = tally(flow, PRODUCERS);
    assert.deepEqual(sent, new Array(PRODUCERS).fill(PER_PRODUCER));
    assert.equal(received, PRODUCERS * PER_PRODUCER, 'sent = received');
    assert.equal(channelInfo(kernel, id), undefined);
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('receivers close mid-stream (capacity 2, nobody waits for anybody): every task ends, no value is both received and reported failed, sent = received + still queued', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const { sender, receiver } = kernel.task.createChannel({ capacity: 2 });
    const id = sender.info().objectId;
    const flow = startFlow(
      kernel,
      sender,
      receiver,
      Array.from({ length: PRODUCERS }, (_, i) => ({ count: Infinity, useAsync: i >= 2 })),
      ['iterate', 'receive', 'receiveAsync', 'receive'].map((mode) => ({ mode: mode as ConsumerSpec['mode'], stoppable: true })),
      1 << 20,
    );
    // Init keeps its sender end (so that the channel, and what stays queued in it, outlives the producers).
    receiver.close();
    const { c } = flow;
    await waitFor(
      () => flow.consumers.reduce((sum, _, i) => sum + Atomics.load(c, consumerWord(i, FLOW.received)), 0) >= 4096,
      'messages to flow',
      30_000,
    );
    setWord(c, FLOW.stop, 1);
    assertExitedCleanly(await within(Promise.all(flow.consumers.map((t) => t.exited)), 30_000, 'the consumers to stop and close'), 'consumer');
    assertExitedCleanly(await within(Promise.all(flow.producers.map((t) => t.exited)), 30_000, 'the producers to see BrokenPipeError'), 'producer');

    const { seen, received, sent } = tally(flow, PRODUCERS);
    for (let p = 0; p < PRODUCERS; p++) {
      assert.equal(Atomics.load(c, producerWord(p, FLOW.error)), 0, `producer ${p}: no unexpected error`);
      assert.equal(Atomics.load(c, producerWord(p, FLOW.failed)), sent[p]! + 1, `producer ${p} failed on the send after its last successful one`);
    }
    const info = channelInfo(kernel, id)!;
    assert.deepEqual(info.ends, { senders: 1, receivers: 0 });
    const undelivered = seen.reduce((sum, s) => sum + s.reduce((n, x) => n + (x === 0 ? 1 : 0), 0), 0);
    assert.equal(undelivered, info.depth, 'what was sent and not received is what is still queued');
    assert.equal(sent.reduce((a, b) => a + b, 0), received + info.depth);
    assert.throws(() => sender.send(Message.of(1)), BrokenPipeError, 'no receiver is left: init cannot send either');
    assert.throws(() => sender.trySend(Message.of(1)), BrokenPipeError);
    assert.equal(channelInfo(kernel, id)!.depth, info.depth, 'nothing more was queued');
    sender.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});
