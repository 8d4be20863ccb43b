/**
 * A ring's kernel byte stream across real worker-thread tasks: a 4 MB
 * single-producer single-consumer stream of random-sized writes, byte-exact,
 * through every pair of write and read forms (sync, async, Node streams,
 * Web Streams); four producers writing whole records that one consumer
 * parses (each exactly once, FIFO per producer, never interleaved); a
 * producer terminated half-way through a large write, blocked or at random
 * instants (the reader gets a prefix of its bytes, later writers go
 * through, the kernel's usage returns to its baseline); and HANDLE_WAIT on
 * a ring waking a task when bytes or room appear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_READABLE, EVENT_WRITABLE, InterruptedError, type Kernel, type KernelUsage, type Ring, type TaskHandle } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { tick, waitFor, within } from '../support/wait.js';
import { controlWords, setWord } from '../support/control-words.js';
import { lockFree, withGuardedKernel } from '../support/kernel.js';
import { ByteStream, RecordParser, RING3, StreamChecker } from './fixtures/byte-stream.js';
import { taskInfo } from '../support/blocked.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Peer {
  task: TaskHandle;
  c: Int32Array;
}

/** Spawns a ring3 fixture and grants it `ring`. */
function startPeer(kernel: Kernel, ring: Ring, name: 'ring-writer' | 'ring-reader', data: Record<string, unknown>): Peer {
  const c = controlWords(RING3.words);
  const task = kernel.spawn(fixture(`scenarios/fixtures/${name}`), { data: { ctl: c.buffer, ...data } });
  setWord(c, RING3.handle, ring.grant(task.pid) + 1);
  return { task, c };
}

async function finished(peer: Peer, what: string, timeoutMs = 120_000): Promise<void> {
  const exit = await within(peer.task.exited, timeoutMs, what);
  assert.equal(exit.code, 0, `${what}: ${exit.error ?? `exit code ${exit.code}`}`);
  assert.equal(Atomics.load(peer.c, RING3.done), 1, `${what} did not finish`);
}

function ringObject(kernel: Kernel, ring: Ring) {
  const id = ring.info().objectId;
  const object = kernel.snapshot().objects.find((o) => o.id === id);
  assert.ok(object, `ring object ${id} in the snapshot`);
  return object;
}

function blockedOn(kernel: Kernel, pid: number): string | undefined {
  const t = taskInfo(kernel, pid);
  return t?.blockedOn ? `${t.blockedOn.type}:${t.blockedOn.event}` : undefined;
}

function assertBaseline(kernel: Kernel, baseline: KernelUsage, what: string): void {
  assert.deepEqual(kernel.usage(), baseline, `kernel usage after ${what}`);
}

// --- single producer, single consumer -----------------------------------------

const pairs: { writer: string; reader: string; total: number; maxChunk: number; maxRead: number }[] = [
  { writer: 'sync', reader: 'sync', total: 4 * MiB, maxChunk: 64 * KiB, maxRead: 64 * KiB },
  { writer: 'async', reader: 'async', total: 4 * MiB, maxChunk: 64 * KiB, maxRead: 7_777 },
  { writer: 'sync', reader: 'async', total: 1 * MiB, maxChunk: 300, maxRead: 64 * KiB },
  { writer: 'node', reader: 'node', total: 4 * MiB, maxChunk: 64 * KiB, maxRead: 16 * KiB },
  { writer: 'web', reader: 'web', total: 2 * MiB, maxChunk: 64 * KiB, maxRead: 10_000 },
  { writer: 'node', reader: 'web', total: 1 * MiB, maxChunk: 20 * KiB, maxRead: 64 * KiB },
  { writer: 'web', reader: 'node', total: 1 * MiB, maxChunk: 20 * KiB, maxRead: 3_000 },
];

for (const { writer, reader, total, maxChunk, maxRead } of pairs) {
  test(`one producer, one consumer (${writer} writes, ${reader} reads): ${total / MiB} MB of 1..${maxChunk}-byte writes through a 64 KiB ring arrive byte-exact, then the end of the stream`, async () => {
    await withGuardedKernel(async (kernel) => {
      const baseline = kernel.usage();
      const ring = kernel.task.createRing(64 * KiB);
      assert.equal(ring.size, 64 * KiB);
      const seed = 0x5eed0000 + total + maxChunk;
      const consumer = startPeer(kernel, ring, 'ring-reader', { mode: reader, seed, sizeSeed: 11, maxRead });
      const producer = startPeer(kernel, ring, 'ring-writer', { mode: writer, seed, sizeSeed: 12, total, maxChunk, shutdown: true });
      await finished(producer, `the ${writer} producer`);
      await finished(consumer, `the ${reader} consumer`);
      assert.equal(Atomics.load(consumer.c, RING3.mismatch), 0, `first differing byte at offset ${Atomics.load(consumer.c, RING3.mismatch) - 1}`);
      assert.equal(Atomics.load(consumer.c, RING3.bytes), total, 'bytes read');
      const object = ringObject(kernel, ring);
      assert.equal(object.depth, 0);
      assert.deepEqual(object.waiters, { receivers: 0, senders: 0 });
      ring.close();
      assertBaseline(kernel, baseline, 'both tasks exited and the ring was closed');
    });
  });
}

// --- several producers, whole records ------------------------------------------

test('four producers write whole records with { whole: true }: the consumer gets each exactly once, FIFO per producer, never interleaved', async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const ring = kernel.task.createRing(64 * KiB);
    const PRODUCERS = 4;
    const COUNT = 300;
    const MAX_RECORD = 16 * KiB;
    const next = new Array<number>(PRODUCERS).fill(0);
    const problems: string[] = [];
    const parser = new RecordParser(MAX_RECORD, (producer, seq) => {
      if (producer >= PRODUCERS) problems.push(`record from unknown producer ${producer}`);
      else if (seq !== next[producer]) problems.push(`producer ${producer}: got seq ${seq}, expected ${next[producer]} (lost, duplicated or reordered)`);
      else next[producer]!++;
    });
    // Init consumes while the producers run: odd-sized reads, so that records straddle reads.
    const consuming = (async () => {
      const buffer = new Uint8Array(7_001);
      let bytes = 0;
      for (;;) {
        const n = await ring.readAsync(buffer);
        if (n === 0) return bytes;
        bytes += n;
        parser.push(buffer.subarray(0, n));
      }
    })();
    const producers = Array.from({ length: PRODUCERS }, (_, id) =>
      startPeer(kernel, ring, 'ring-writer', { mode: 'records', id, count: COUNT, sizeSeed: 100 + id, maxChunk: MAX_RECORD, useAsync: id % 2 === 1 }),
    );
    for (const [id, p] of producers.entries()) await finished(p, `producer ${id}`);
    ring.shutdown();
    const bytes = await within(consuming, 60_000, 'the consumer');
    assert.deepEqual(parser.problems, []);
    assert.deepEqual(problems, []);
    assert.equal(parser.leftover, 0, 'no partial record at the end');
    assert.deepEqual(next, new Array<number>(PRODUCERS).fill(COUNT), 'records per producer');
    assert.ok(bytes > PRODUCERS * COUNT * 16);
    ring.close();
    assertBaseline(kernel, baseline, 'the producers exited and the ring was closed');
  });
});

// --- a producer terminated half-way --------------------------------------------

test('a producer terminated while blocked in a 1 MB write: the reader gets a prefix of its bytes, a later writer goes through, usage returns to baseline', async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const ring = kernel.task.createRing(64 * KiB);
    const seed = 0xb16b00b5;
    const total = 1 * MiB;
    const checker = new StreamChecker(seed);
    const producer = startPeer(kernel, ring, 'ring-writer', { mode: 'big', seed, total });
    await waitFor(() => Atomics.load(producer.c, RING3.started) === 1, 'the producer to start');

    // A slow reader: 4 KiB a millisecond or so, for 256 KiB.
    const buffer = new Uint8Array(64 * KiB);
    while (checker.seen < 256 * KiB) {
      const n = await ring.readAsync(buffer.subarray(0, 4 * KiB), { timeout: 10_000 });
      checker.check(buffer.subarray(0, n));
      await tick(1);
    }
    // Then none: the ring fills and the producer blocks in the middle of its write.
    // A producer woken by the last read shows blocked until it runs, so wait for the ring to be full as well.
    await waitFor(
      () => blockedOn(kernel, producer.task.pid) === 'ring:writable' && ringObject(kernel, ring).depth === 64 * KiB - 1,
      'the producer to fill the ring and block on it',
    );
    assert.equal(ringObject(kernel, ring).depth, 64 * KiB - 1, 'the ring is full');
    const exit = await within(producer.task.terminate(), 15_000, 'the producer to be reaped');
    assert.notEqual(exit.code, 0);
    assert.equal(Atomics.load(producer.c, RING3.done), 0, 'the producer was stopped half-way');

    // What it had written is all there, in order: a prefix of its 1 MB.
    for (let n = ring.tryRead(buffer); n !== undefined; n = ring.tryRead(buffer)) {
      assert.notEqual(n, 0, 'no end of stream: nobody shut it down');
      checker.check(buffer.subarray(0, n));
    }
    assert.equal(checker.firstMismatch, -1, `the bytes read differ from the producer's at offset ${checker.firstMismatch}`);
    assert.ok(checker.seen >= 256 * KiB + 64 * KiB - 1 && checker.seen < total, `read ${checker.seen} bytes of ${total}`);
    const object = ringObject(kernel, ring);
    assert.equal(object.depth, 0);
    assert.deepEqual(object.waiters, { receivers: 0, senders: 0 }, 'the dead producer no longer counts as a waiter');

    // Another task writes: its bytes go through, then the end of the stream.
    const seed2 = 0xfeed;
    const writer = startPeer(kernel, ring, 'ring-writer', { mode: 'sync', seed: seed2, sizeSeed: 5, total: 300 * KiB, maxChunk: 20 * KiB, shutdown: true });
    const after = new StreamChecker(seed2);
    for (;;) {
      const n = await ring.readAsync(buffer, { timeout: 30_000 });
      if (n === 0) break;
      after.check(buffer.subarray(0, n));
    }
    await finished(writer, 'the second writer');
    assert.equal(after.firstMismatch, -1, `the second writer's bytes differ at offset ${after.firstMismatch}`);
    assert.equal(after.seen, 300 * KiB);
    ring.close();
    assertBaseline(kernel, baseline, 'the producer was killed, the writer exited and the ring was closed');
  });
});

const KILL_ROUNDS = Number(process.env.KIPC_RING_KILL_ROUNDS ?? (process.env.KIPC_LONG === '1' ? 150 : 15));

test('producers terminated at random instants while a reader drains: each leaves a prefix of its bytes (of its whole records), the ring keeps working, nothing leaks', { timeout: 60_000 + KILL_ROUNDS * 2_000 }, async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const ring = kernel.task.createRing(64 * KiB);
    const buffer = new Uint8Array(48 * KiB);
    const modes = ['sync', 'async', 'records'] as const;
    let killedMidWrite = 0;
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const mode = modes[round % modes.length]!;
      const seed = 0x1000 + round;
      const total = 8 * MiB;
      const COUNT = 2_000;
      // Plain writes: the bytes read must be a prefix of the producer's stream.
      const checker = new StreamChecker(seed);
      // Whole records: a prefix of its records, none torn.
      let nextSeq = 0;
      const order: string[] = [];
      const parser = new RecordParser(32 * KiB, (producer, seq) => {
        if (producer !== round || seq !== nextSeq) order.push(`producer ${producer} seq ${seq}, expected producer ${round} seq ${nextSeq}`);
        nextSeq = seq + 1;
      });
      const take = (chunk: Uint8Array): void => (mode === 'records' ? parser.push(chunk) : checker.check(chunk));
      const stop = new AbortController();
      const reading = (async () => {
        for (;;) {
          let n: number;
          try {
            n = await ring.readAsync(buffer, { signal: stop.signal });
          } catch (error) {
            if (error instanceof InterruptedError) return;
            throw error;
          }
          assert.notEqual(n, 0, 'no end of stream');
          take(buffer.subarray(0, n));
        }
      })();
      await lockFree(kernel, `starting round ${round}`);
      const producer = startPeer(kernel, ring, 'ring-writer', mode === 'records'
        ? { mode, id: round, count: COUNT, sizeSeed: round, maxChunk: 32 * KiB, useAsync: round % 2 === 1 }
        : { mode, seed, sizeSeed: round, total, maxChunk: 64 * KiB });
      await waitFor(() => Atomics.load(producer.c, RING3.started) === 1, `producer ${round} to start`);
      await tick(Math.random() * 25);
      await within(producer.task.terminate(), 15_000, `producer ${round} to be reaped`);
      stop.abort();
      await within(reading, 15_000, `the reader of round ${round}`);
      for (let n = ring.tryRead(buffer); n !== undefined; n = ring.tryRead(buffer)) take(buffer.subarray(0, n));
      const object = ringObject(kernel, ring);
      assert.equal(object.depth, 0, `round ${round}: drained`);
      assert.deepEqual(object.waiters, { receivers: 0, senders: 0 }, `round ${round}: no waiter left`);
      if (mode === 'records') {
        const confirmed = Atomics.load(producer.c, RING3.records);
        assert.deepEqual(parser.problems, [], `round ${round} (records)`);
        assert.deepEqual(order, [], `round ${round} (records): order`);
        assert.equal(parser.leftover, 0, `round ${round} (records): part of a whole record was left in the stream`);
        assert.ok(nextSeq >= confirmed && nextSeq <= COUNT, `round ${round}: read ${nextSeq} records, writes that returned ${confirmed}`);
        if (nextSeq < COUNT) killedMidWrite++;
      } else {
        const confirmed = Atomics.load(producer.c, RING3.bytes);
        assert.equal(checker.firstMismatch, -1, `round ${round} (${mode}): the bytes read differ from the producer's at offset ${checker.firstMismatch}`);
        assert.ok(checker.seen >= confirmed && checker.seen <= total, `round ${round}: read ${checker.seen}, writes that returned covered ${confirmed}`);
        if (checker.seen < total) killedMidWrite++;
      }
    }
    assert.ok(killedMidWrite > 0, 'at least one producer was killed before it finished');

    // The stream still carries a whole run, to its end.
    const seed = 0x2000;
    const writer = startPeer(kernel, ring, 'ring-writer', { mode: 'async', seed, sizeSeed: 99, total: 1 * MiB, maxChunk: 64 * KiB, shutdown: true });
    const checker = new StreamChecker(seed);
    for (;;) {
      const n = await ring.readAsync(buffer, { timeout: 30_000 });
      if (n === 0) break;
      checker.check(buffer.subarray(0, n));
    }
    await finished(writer, 'the last writer');
    assert.equal(checker.firstMismatch, -1);
    assert.equal(checker.seen, 1 * MiB);
    ring.close();
    assertBaseline(kernel, baseline, 'all producers were killed or exited and the ring was closed');
  });
});

// --- HANDLE_WAIT ------------------------------------------------------------------

test('ring.wait() in a task: READABLE once bytes arrive, WRITABLE once a full ring has room', async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const ring = kernel.task.createRing(8 * KiB);
    const capacity = ring.size - 1;

    // An empty ring: a waiter for READABLE sleeps until bytes are written.
    const readable = startPeer(kernel, ring, 'ring-reader', { mode: 'wait', events: EVENT_READABLE, thenRead: true });
    await waitFor(() => blockedOn(kernel, readable.task.pid) === 'ring:readable', 'the waiter to sleep on the empty ring');
    assert.equal(Atomics.load(readable.c, RING3.events), 0);
    ring.write(new ByteStream(1).next(100), { timeout: 1_000 });
    await waitFor(() => Atomics.load(readable.c, RING3.events) !== 0, 'the waiter to wake');
    assert.equal(Atomics.load(readable.c, RING3.events), EVENT_READABLE);
    setWord(readable.c, RING3.go, 1);
    await finished(readable, 'the READABLE waiter');
    assert.equal(Atomics.load(readable.c, RING3.bytes), 100, 'it then read the 100 bytes');

    // A full ring: a waiter for WRITABLE sleeps until bytes are read.
    ring.write(new ByteStream(2).next(capacity), { timeout: 1_000 });
    assert.equal(ring.wait({ timeout: 0 }), EVENT_READABLE, 'full: readable, not writable');
    const writable = startPeer(kernel, ring, 'ring-reader', { mode: 'wait', events: EVENT_WRITABLE });
    await waitFor(() => blockedOn(kernel, writable.task.pid) === 'ring:writable', 'the waiter to sleep on the full ring');
    assert.equal(Atomics.load(writable.c, RING3.events), 0);
    assert.equal(ring.read(new Uint8Array(10), { timeout: 1_000 }), 10);
    await waitFor(() => Atomics.load(writable.c, RING3.events) !== 0, 'the waiter to wake');
    assert.equal(Atomics.load(writable.c, RING3.events), EVENT_WRITABLE);
    await finished(writable, 'the WRITABLE waiter');
    ring.close();
    assertBaseline(kernel, baseline, 'the waiters exited and the ring was closed');
  });
});
