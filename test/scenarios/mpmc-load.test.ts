/**
 * Load through one port: 4 producer tasks and 2 consumer tasks, 100,000
 * messages. Every message is delivered exactly once, intact, with the
 * kernel-written sender, and in FIFO order per producer (as each consumer
 * sees it: a consumer takes a subsequence of one FIFO queue, so the
 * sequence numbers of each producer it sees only grow).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { within } from '../support/wait.js';
import { LOAD, SEQ_BITS } from './fixtures/layout.js';
import { controlWords, setWord } from '../support/control-words.js';
import { withGuardedKernel } from '../support/kernel.js';

const PRODUCERS = 4;
const CONSUMERS = 2;
const TOTAL = 100_000;
const PER_PRODUCER = TOTAL / PRODUCERS;

for (const { capacity, useAsync } of [
  { capacity: 16, useAsync: false },
  { capacity: 1, useAsync: true },
]) {
  const form = useAsync ? 'sendAsync/receiveAsync' : 'send/receive';
  test(`${PRODUCERS} producers, ${CONSUMERS} consumers, ${TOTAL} messages through one port of capacity ${capacity} (${form}): each exactly once, FIFO per producer`, async (t) => {
    await withGuardedKernel(async (kernel) => {
      const baseline = kernel.usage();
      const c = controlWords(LOAD.words);
      const port = kernel.task.createPort({ capacity });
      port.bind('/srv/load');
      const logs = Array.from({ length: CONSUMERS }, () => new SharedArrayBuffer(TOTAL * 4));
      const consumers = logs.map((log, index) => kernel.spawn(fixture('scenarios/fixtures/load-consumer'), { data: { index, ctl: c.buffer, log, useAsync } }));
      consumers.forEach((consumer, index) => setWord(c, LOAD.handle + index, port.grant(consumer.pid)));
      const started = performance.now();
      const producers = Array.from({ length: PRODUCERS }, (_, stream) => {
        const producer = kernel.spawn(fixture('scenarios/fixtures/load-producer'), { data: { path: '/srv/load', stream, count: PER_PRODUCER, ctl: c.buffer, useAsync } });
        Atomics.store(c, LOAD.pids + stream, producer.pid);
        return producer;
      });

      const producerExits = await within(Promise.all(producers.map((p) => p.exited)), 120_000, 'the producers to send everything');
      for (const exit of producerExits) assert.equal(exit.code, 0, exit.error);
      // Every data message is queued before these (FIFO), so they come last.
      for (let i = 0; i < CONSUMERS; i++) await port.sendAsync(Message.of(99));
      const consumerExits = await within(Promise.all(consumers.map((p) => p.exited)), 60_000, 'the consumers to drain the port');
      for (const exit of consumerExits) assert.equal(exit.code, 0, exit.error);
      t.diagnostic(`${TOTAL} messages in ${Math.round(performance.now() - started)} ms (including task start-up)`);

      const seen = new Uint8Array(TOTAL);
      let received = 0;
      const perConsumer: number[] = [];
      for (let i = 0; i < CONSUMERS; i++) {
        assert.equal(Atomics.load(c, LOAD.stopped + i), 1, `consumer ${i} saw its stop message`);
        assert.equal(Atomics.load(c, LOAD.corrupt + i), 0, `consumer ${i}: no torn or foreign message`);
        assert.equal(Atomics.load(c, LOAD.wrongSender + i), 0, `consumer ${i}: sender is always the producer's pid`);
        const n = Atomics.load(c, LOAD.received + i);
        perConsumer.push(n);
        const log = new Int32Array(logs[i]!);
        const last = new Array<number>(PRODUCERS).fill(0);
        for (let k = 0; k < n; k++) {
          const stream = log[k]! >>> SEQ_BITS;
          const seq = log[k]! & ((1 << SEQ_BITS) - 1);
          assert.ok(stream < PRODUCERS && seq >= 1 && seq <= PER_PRODUCER, `consumer ${i}: entry ${k} is a real message`);
          assert.ok(seq > last[stream]!, `consumer ${i}: stream ${stream} went from ${last[stream]} to ${seq} (not FIFO)`);
          last[stream] = seq;
          const id = stream * PER_PRODUCER + seq - 1;
          assert.equal(seen[id], 0, `stream ${stream} seq ${seq} delivered twice`);
          seen[id] = 1;
          received++;
        }
      }
      t.diagnostic(`per consumer: ${perConsumer.join(', ')}`);
      assert.equal(received, TOTAL, 'every message delivered');
      assert.equal(kernel.snapshot().objects[0]!.depth, 0, 'the port is empty');
      port.close();
      assert.deepEqual(kernel.usage(), baseline);
    });
  });
}
