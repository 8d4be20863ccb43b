/**
 * The typed Ring (src/api/ring.ts) and its Node stream adapters
 * (src/api/ring-node-streams.ts), on init's own thread: write/read and
 * wrap-around, `whole` writes, shutdown (readers drain then read 0, writers
 * get BrokenPipeError), tryRead, timeouts (a partial write stays, a whole
 * one never lands in part), AbortSignal on readAsync/writeAsync
 * (InterruptedError with the reason as cause), HANDLE_WAIT on a ring,
 * closing, Web Streams, and ringReadable / ringWritable: byte-exact
 * pipelines, backpressure on both sides, destroy, errors, `whole`.
 *
 * Tests across tasks are in test/scenarios/ring-stream.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EVENT_READABLE, EVENT_WRITABLE, InterruptedError, InvalidArgumentError, type Kernel, type Ring } from '../../src/index.js';
import { ringReadable, ringWritable } from '../../src/api/ring-node-streams.js';
import { badHandle, brokenPipe, kipcError, timedOut } from '../support/errors.js';
import { tick, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { ByteStream, chunksOf, Rand, StreamChecker } from '../scenarios/fixtures/byte-stream.js';

// Sync ring ops block init's own thread: a kernel hang there is caught by the watchdog.
const watchdog = startWatchdog(60_000, 'ring API tests');
after(() => watchdog.stop());

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Everything the ring holds now (tryRead until empty). */
function drain(ring: Ring): Uint8Array {
  const parts: Uint8Array[] = [];
  const buffer = new Uint8Array(ring.size);
  for (let n = ring.tryRead(buffer); n !== undefined && n > 0; n = ring.tryRead(buffer)) parts.push(buffer.slice(0, n));
  return Buffer.concat(parts);
}

function depthOf(kernel: Kernel, ring: Ring): number {
  const id = ring.info().objectId;
  return kernel.snapshot().objects.find((o) => o.id === id)!.depth;
}

test('write and read: sizes in whole pages, bytes in order across many wrap-arounds, reads take what is there', async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const ring = kernel.task.createRing(5_000);
    assert.equal(ring.size, 8192, 'whole 4 KiB pages');
    assert.equal(ring.bytes.length, 8192);
    assert.equal(kernel.usage().pages, baseline.pages + 2);
    const capacity = ring.size - 1;
    const sizes = new Rand(7);
    const source = new ByteStream(42);
    const checker = new StreamChecker(42);
    const into = new Uint8Array(ring.size);
    let buffered = 0;
    while (source.position < 1024 * 1024) {
      const n = sizes.int(1, capacity - buffered);
      ring.write(source.next(n), { timeout: 1_000 });
      buffered += n;
      const max = sizes.int(1, capacity);
      const got = ring.read(into.subarray(0, max), { timeout: 1_000 });
      assert.equal(got, Math.min(max, buffered), 'a read takes what is buffered, up to its buffer');
      checker.check(into.subarray(0, got));
      buffered -= got;
    }
    checker.check(drain(ring));
    assert.equal(checker.firstMismatch, -1);
    assert.equal(checker.seen, source.position);
    assert.equal(ring.read(new Uint8Array(0), { timeout: 1_000 }), 0, 'a read of 0 bytes returns 0 at once');
    ring.close();
    assert.equal(ring.bytes.length, 0, 'a closed handle sees no pages');
    assert.deepEqual(kernel.usage(), baseline, 'the pages went back with the last handle');
  });
});

test('whole writes: up to the capacity (size - 1) in one piece; longer is InvalidArgumentError; a duplicate handle shares the stream', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const capacity = ring.size - 1;
    assert.throws(() => ring.write(new Uint8Array(ring.size), { whole: true, timeout: 100 }), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    await assert.rejects(ring.writeAsync(new Uint8Array(ring.size), { whole: true }), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    assert.equal(depthOf(kernel, ring), 0, 'nothing landed');
    const all = new ByteStream(3).next(capacity);
    ring.write(all, { whole: true, timeout: 100 });
    assert.equal(depthOf(kernel, ring), capacity);
    const other = ring.duplicate();
    assert.deepEqual(drain(other), Buffer.from(all), 'read through a second handle');
    // A whole write waits for room for all of it, not just some.
    ring.write(new Uint8Array(capacity - 10), { timeout: 100 });
    assert.throws(() => ring.write(new Uint8Array(11), { whole: true, timeout: 20 }), timedOut);
    assert.equal(depthOf(kernel, ring), capacity - 10, 'the whole write left nothing');
    ring.write(new Uint8Array(10), { whole: true, timeout: 100 });
    other.close();
    ring.close();
  });
});

test('shutdown: readers drain what is buffered, then read 0 (every form); writes throw BrokenPipeError; idempotent', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    ring.write(text('hello'));
    ring.write(text(' world'));
    ring.shutdown();
    ring.shutdown();
    assert.throws(() => ring.write(text('late')), brokenPipe);
    await assert.rejects(ring.writeAsync(text('late')), brokenPipe);
    assert.throws(() => ring.write(text('late'), { whole: true }), brokenPipe);
    const into = new Uint8Array(7);
    assert.equal(ring.read(into), 7);
    assert.equal(new TextDecoder().decode(into), 'hello w');
    assert.equal(await ring.readAsync(into), 4);
    assert.equal(new TextDecoder().decode(into.subarray(0, 4)), 'orld');
    assert.equal(ring.read(into), 0, 'end of stream');
    assert.equal(ring.read(into), 0, 'and again');
    assert.equal(await ring.readAsync(into), 0);
    assert.equal(ring.tryRead(into), 0);
    ring.close();
  });
});

test('shutdown wakes a waiting reader (it reads 0) and a waiting writer (BrokenPipeError, its written part stays)', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const reading = ring.readAsync(new Uint8Array(10));
    await tick();
    ring.shutdown();
    assert.equal(await within(reading, 5_000, 'the reader to wake'), 0);
    ring.close();

    const full = kernel.task.createRing(4096);
    full.write(new Uint8Array(4000));
    const writing = full.writeAsync(new ByteStream(9).next(500));
    await tick();
    full.shutdown();
    await assert.rejects(within(writing, 5_000, 'the writer to wake'), brokenPipe);
    const left = drain(full);
    assert.equal(left.length, 4095, 'the first 95 bytes of the writer had landed');
    assert.deepEqual(left.subarray(4000), Buffer.from(new ByteStream(9).next(95)));
    assert.equal(full.tryRead(new Uint8Array(1)), 0);
    full.close();
  });
});

test('tryRead never waits: undefined while empty, what is there otherwise', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const into = new Uint8Array(100);
    assert.equal(ring.tryRead(into), undefined);
    ring.write(text('abc'));
    assert.equal(ring.tryRead(into), 3);
    assert.equal(ring.tryRead(into), undefined);
    ring.close();
    assert.throws(() => ring.tryRead(into), badHandle);
    assert.throws(() => ring.read(into, { timeout: 10 }), badHandle);
    assert.throws(() => ring.write(into, { timeout: 10 }), badHandle);
  });
});

test('timeouts: TimeoutError from read, readAsync, write and writeAsync; a timed-out write leaves what fitted, a whole one nothing', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const into = new Uint8Array(10);
    let t0 = performance.now();
    assert.throws(() => ring.read(into, { timeout: 30 }), timedOut);
    assert.ok(performance.now() - t0 >= 25, 'the read waited for its timeout');
    assert.throws(() => ring.read(into, { timeout: 0 }), timedOut);
    t0 = performance.now();
    await assert.rejects(ring.readAsync(into, { timeout: 30 }), timedOut);
    assert.ok(performance.now() - t0 >= 25);

    ring.write(new Uint8Array(4000).fill(1));
    const bytes = new ByteStream(5).next(300);
    assert.throws(() => ring.write(bytes, { timeout: 20 }), timedOut);
    assert.equal(depthOf(kernel, ring), 4095, 'the 95 bytes that fitted were written');
    assert.deepEqual(drain(ring).subarray(4000), Buffer.from(bytes.subarray(0, 95)));
    ring.write(new Uint8Array(4000).fill(1));
    await assert.rejects(ring.writeAsync(bytes, { timeout: 20 }), timedOut);
    assert.equal(depthOf(kernel, ring), 4095);
    drain(ring);
    ring.write(new Uint8Array(4000).fill(1));
    assert.throws(() => ring.write(bytes, { whole: true, timeout: 20 }), timedOut);
    await assert.rejects(ring.writeAsync(bytes, { whole: true, timeout: 20 }), timedOut);
    assert.equal(depthOf(kernel, ring), 4000, 'whole writes that timed out wrote nothing');
    ring.close();
  });
});

test('AbortSignal: readAsync and writeAsync throw InterruptedError with the reason as cause; the ring works on', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const interrupted = (reason: unknown) => kipcError(InterruptedError, 4, 'EINTR', reason);
    const into = new Uint8Array(10);

    const stopRead = new AbortController();
    const reading = ring.readAsync(into, { signal: stopRead.signal });
    await tick();
    const readReason = new Error('stop reading');
    stopRead.abort(readReason);
    await assert.rejects(within(reading, 5_000, 'readAsync to abort'), interrupted(readReason));
    const already = AbortSignal.abort('already');
    await assert.rejects(ring.readAsync(into, { signal: already }), interrupted('already'));

    ring.write(new Uint8Array(4095));
    const stopWrite = new AbortController();
    const writing = ring.writeAsync(text('more'), { signal: stopWrite.signal });
    await tick();
    stopWrite.abort('stop writing');
    await assert.rejects(within(writing, 5_000, 'writeAsync to abort'), interrupted('stop writing'));
    await assert.rejects(ring.writeAsync(text('x'), { signal: already }), interrupted('already'));
    await assert.rejects(ring.writeAsync(text('x'), { signal: already, whole: true }), interrupted('already'));
    assert.equal(drain(ring).length, 4095, 'the aborted writes wrote nothing');

    // An unaborted read and write still work afterwards.
    const later = ring.readAsync(into);
    await tick();
    await ring.writeAsync(text('ok'));
    assert.equal(await within(later, 5_000, 'readAsync after aborts'), 2);
    ring.close();
  });
});

test('HANDLE_WAIT on a ring: READABLE when it holds bytes, WRITABLE while it has room; waitAsync wakes on a write', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    assert.equal(ring.wait(), EVENT_WRITABLE, 'empty: writable only');
    assert.throws(() => ring.wait({ events: EVENT_READABLE, timeout: 20 }), timedOut);
    const pending = ring.waitAsync({ events: EVENT_READABLE });
    await tick();
    ring.write(text('x'));
    assert.equal(await within(pending, 5_000, 'waitAsync to see bytes'), EVENT_READABLE);
    assert.equal(ring.wait(), EVENT_READABLE | EVENT_WRITABLE);
    ring.write(new Uint8Array(4094));
    assert.equal(ring.wait(), EVENT_READABLE, 'full: readable only');
    assert.throws(() => ring.wait({ events: EVENT_WRITABLE, timeout: 20 }), timedOut);
    const room = ring.waitAsync({ events: EVENT_WRITABLE });
    await tick();
    ring.read(new Uint8Array(1));
    assert.equal(await within(room, 5_000, 'waitAsync to see room'), EVENT_WRITABLE);
    ring.close();
  });
});

// A reader that waits for READABLE before it reads must not sleep through the
// end of the stream: read() returns 0 at once there, and a channel whose
// senders are gone reports READABLE for the same reason.
test('HANDLE_WAIT on a shut-down, drained ring reports READABLE (the end of the stream is there to read)', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const waiting = ring.waitAsync({ events: EVENT_READABLE, timeout: 2_000 });
    await tick();
    ring.shutdown();
    assert.equal(ring.tryRead(new Uint8Array(1)), 0, 'read says: end of stream');
    let outcome: unknown;
    try {
      outcome = await waiting;
    } catch (error) {
      outcome = error;
    }
    assert.equal(outcome, EVENT_READABLE, `a waiter for READABLE when the stream was shut down got ${String(outcome)}`);
    assert.equal(ring.wait({ events: EVENT_READABLE, timeout: 20 }), EVENT_READABLE, 'and a new wait returns at once');
    ring.close();
  });
});

test('Web Streams: writableStream into readableStream round trip, byte-exact; closing the writable ends the readable', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(16 * 1024);
    const total = 512 * 1024;
    const chunks = chunksOf(77, 78, total, 20_000);
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
    const writing = source.pipeTo(ring.writableStream());
    const checker = new StreamChecker(77);
    const reader = ring.readableStream(5_000).getReader();
    let largest = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      largest = Math.max(largest, value.length);
      checker.check(value);
    }
    await within(writing, 5_000, 'pipeTo');
    assert.equal(checker.firstMismatch, -1);
    assert.equal(checker.seen, total);
    assert.ok(largest <= 5_000, 'chunks of at most chunkBytes');
    await assert.rejects(ring.writableStream().getWriter().write(text('late')), brokenPipe);
    ring.close();
  });
});

// --- Node stream adapters ---------------------------------------------------------

test('ringWritable / ringReadable: pipeline in, pipeline out, byte-exact; finishing the writable shuts the stream down', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(64 * 1024);
    const total = 2 * 1024 * 1024;
    const checker = new StreamChecker(5150);
    let largest = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        assert.ok(Buffer.isBuffer(chunk));
        largest = Math.max(largest, chunk.length);
        checker.check(chunk);
        callback();
      },
    });
    await within(
      Promise.all([
        pipeline(Readable.from(chunksOf(5150, 1, total, 64 * 1024)), ringWritable(ring)),
        pipeline(ringReadable(ring, { chunkBytes: 10_000 }), sink),
      ]),
      60_000,
      'the two pipelines',
    );
    assert.equal(checker.firstMismatch, -1);
    assert.equal(checker.seen, total);
    assert.ok(largest <= 10_000);
    assert.throws(() => ring.write(text('x')), brokenPipe, 'the writable shut the stream down');
    ring.close();
  });
});

test('ringWritable backpressure: callbacks fire once the bytes are in the ring; write() returns false when the ring is full; drain when room is made', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096); // capacity 4095
    const writable = ringWritable(ring, { highWaterMark: 1001 });
    const source = new ByteStream(11);
    const written: Uint8Array[] = [];
    const done: number[] = [];
    const results: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const chunk = source.next(1000);
      written.push(chunk);
      results.push(writable.write(chunk, () => done.push(i)));
      await tick();
    }
    // 4000 bytes fit; the fifth chunk is half-way in (95 bytes), the sixth waits.
    assert.deepEqual(done, [0, 1, 2, 3], 'callbacks of the chunks wholly in the ring');
    assert.deepEqual(results, [true, true, true, true, true, false], 'write() returns false once the full ring holds chunks back');
    assert.equal(depthOf(kernel, ring), 4095, 'the ring is full');
    assert.equal(writable.writableLength, 2000);
    assert.equal(writable.writableNeedDrain, true);
    let drained = false;
    writable.once('drain', () => (drained = true));
    await tick(20);
    assert.equal(drained, false, 'no drain while the ring stays full');
    assert.deepEqual(done, [0, 1, 2, 3]);

    const got = Buffer.alloc(6000);
    assert.equal(ring.read(got.subarray(0, 2000), { timeout: 1_000 }), 2000);
    const draining = once(writable, 'drain');
    await within(draining, 5_000, 'drain after the reader made room');
    assert.deepEqual(done, [0, 1, 2, 3, 4, 5]);
    const rest = drain(ring);
    assert.equal(2000 + rest.length, 6000);
    got.set(rest, 2000);
    assert.deepEqual(got, Buffer.concat(written), 'every byte, in order');
    writable.end();
    await once(writable, 'finish');
    assert.equal(ring.read(got, { timeout: 1_000 }), 0, 'end() shut the stream down');
    ring.close();
  });
});

test('ringReadable backpressure: it stops taking bytes from the ring once highWaterMark is buffered and nobody reads', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(64 * 1024);
    ring.write(new ByteStream(21).next(60_000));
    const readable = ringReadable(ring, { chunkBytes: 1_000, highWaterMark: 4_000 });
    readable.pause();
    readable.read(0); // start reading into the buffer, with no consumer
    await tick(50);
    const left = depthOf(kernel, ring);
    assert.ok(left >= 60_000 - 6_000, `the readable took only about highWaterMark bytes (${60_000 - left})`);
    assert.ok(left < 60_000, 'it did start reading');
    assert.ok(readable.readableLength <= 5_000);
    // A consumer takes everything, then the end of the stream.
    ring.shutdown();
    const checker = new StreamChecker(21);
    readable.on('data', (chunk: Buffer) => checker.check(chunk));
    readable.resume();
    await within(once(readable, 'end'), 5_000, 'end');
    assert.equal(checker.firstMismatch, -1);
    assert.equal(checker.seen, 60_000);
    ring.close();
  });
});

test('ringReadable destroy() stops reading: a pending read is aborted and later bytes stay in the ring', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const readable = ringReadable(ring);
    const chunks: Buffer[] = [];
    readable.on('data', (chunk: Buffer) => chunks.push(chunk));
    await tick(); // the readable now waits in readAsync on the empty ring
    readable.destroy();
    await within(once(readable, 'close'), 5_000, 'close');
    ring.write(text('still here'));
    await tick(20);
    assert.deepEqual(chunks, []);
    assert.equal(new TextDecoder().decode(drain(ring)), 'still here', 'the destroyed readable took nothing');

    // An AbortSignal destroys it the same way.
    const stop = new AbortController();
    const aborted = ringReadable(ring, { signal: stop.signal });
    const errored = once(aborted, 'error');
    aborted.resume();
    await tick();
    stop.abort();
    const [error] = await within(errored, 5_000, 'the abort error');
    assert.equal((error as Error).name, 'AbortError');
    ring.write(text('and here'));
    await tick(20);
    assert.equal(new TextDecoder().decode(drain(ring)), 'and here');
    ring.close();
  });
});

test('ringReadable / ringWritable errors propagate: BadHandleError for a closed handle, BrokenPipeError after shutdown, InvalidArgumentError for a whole chunk too long', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    const closed = ring.duplicate();
    closed.close();
    await assert.rejects(
      pipeline(ringReadable(closed), new Writable({ write: (_c, _e, cb) => cb() })),
      badHandle,
    );
    await assert.rejects(pipeline(Readable.from([text('x')]), ringWritable(closed)), badHandle);
    assert.throws(() => ringReadable(ring, { chunkBytes: 0 }), kipcError(InvalidArgumentError, 22, 'EINVAL'));

    // whole: each chunk in one piece; a chunk over the capacity fails.
    const records = ringWritable(ring, { whole: true, shutdown: false });
    await pipeline(Readable.from([new Uint8Array(4000), new Uint8Array(95)]), records);
    assert.equal(depthOf(kernel, ring), 4095);
    drain(ring);
    await assert.rejects(pipeline(Readable.from([new Uint8Array(4096)]), ringWritable(ring, { whole: true })), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    assert.equal(depthOf(kernel, ring), 0, 'the oversized whole chunk wrote nothing');

    ring.shutdown();
    await assert.rejects(pipeline(Readable.from([text('late')]), ringWritable(ring)), brokenPipe);
    ring.close();
  });
});

test('ringWritable destroy() aborts a write waiting for room: nothing more lands in the ring', async () => {
  await withGuardedKernel(async (kernel) => {
    const ring = kernel.task.createRing(4096);
    ring.write(new Uint8Array(4095));
    const writable = ringWritable(ring);
    writable.on('error', () => {});
    writable.write(text('waiting'));
    await tick();
    writable.destroy();
    await within(once(writable, 'close'), 5_000, 'close');
    assert.equal(drain(ring).length, 4095);
    await tick(20);
    assert.equal(ring.tryRead(new Uint8Array(10)), undefined, 'the aborted chunk never landed, and the stream was not shut down');
    ring.close();
  });
});
