/**
 * Channel ends through the typed API (task.createChannel, task.channelSender,
 * task.channelReceiver) with real worker-thread tasks on the other side:
 * message, bytes, structured-clone and user-codec channels; ends, rights and
 * their counting; the end of a channel on either side; too-large values;
 * timeouts and AbortSignal; trySend/tryReceive; `for await`; wrapping
 * granted handles in another task; tasks terminated while blocked in
 * receive and in send.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChannelReceiver,
  ChannelSender,
  CodecMismatchError,
  EVENT_READABLE,
  EVENT_WRITABLE,
  InterruptedError,
  InvalidArgumentError,
  jsonCodecOf,
  Message,
  OBJ_CHANNEL,
  PermissionError,
  RIGHT_GRANT,
  RIGHT_READ,
  RIGHT_WRITE,
  type Codec,
  type Handle,
  type Kernel,
  type ObjectInfo,
  type TaskHandle,
} from '../../src/index.js';
import { badHandle, brokenPipe, kipcError, timedOut } from '../support/errors.js';
import { fixture } from '../support/fixtures.js';
import { tick, waitFor, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { ECHO, OP, type CodecName, type Point, pointCodec } from './fixtures/typed-api.js';
import { controlWords, setWord } from '../support/control-words.js';
import { isBlockedOn } from '../support/blocked.js';

// Sync sends and receives block init's own thread: a kernel hang there is caught by the watchdog.
const watchdog = startWatchdog(90_000, 'channel API tests');
after(() => watchdog.stop());

const T = { timeout: 60_000 };

/** The too-large error: InvalidArgumentError with a sentence naming both sizes and saying nothing was sent. */
function tooLarge(size: number, max: number): (e: unknown) => boolean {
  return (e: unknown) => {
    kipcError(InvalidArgumentError, 22, 'EINVAL')(e);
    const message = (e as Error).message;
    assert.match(message, new RegExp(`\\b${size} bytes\\b`), message);
    assert.match(message, new RegExp(`maximum of ${max}\\b`), message);
    assert.match(message, /nothing was sent/, message);
    return true;
  };
}

function channelInfo(kernel: Kernel, end: Handle): ObjectInfo {
  const id = end.info().objectId;
  const o = kernel.snapshot().objects.find((x) => x.id === id);
  assert.ok(o, `channel ${id} exists`);
  return o;
}

async function blockedOn(kernel: Kernel, pid: number, end: Handle, event: 'readable' | 'writable'): Promise<void> {
  const id = end.info().objectId;
  await waitFor(() => isBlockedOn(kernel.snapshot(), pid, 'channel', event, id), `task ${pid} to block (${event}) on channel ${id}`);
}

interface OpTask {
  task: TaskHandle;
  c: Int32Array;
}
/** Spawns the one-operation fixture and grants it `end`. */
function startOp(kernel: Kernel, end: Handle, data: { op: 'receive' | 'receiveAsync' | 'send' | 'sendAsync'; codec?: CodecName; value?: unknown; linger?: boolean }): OpTask {
  const c = controlWords(OP.words);
  const task = kernel.spawn(fixture('api/fixtures/channel-op'), { data: { ctl: c.buffer, ...data } });
  setWord(c, OP.handle, end.grant(task.pid));
  return { task, c };
}
async function opResult(op: OpTask, what: string): Promise<number> {
  await waitFor(() => Atomics.load(op.c, OP.result) !== 0, what);
  return Atomics.load(op.c, OP.result);
}

/**
 * Starts the echo fixture between two channels: it receives from `into`'s
 * receiver and sends to `back`'s sender. Init's copies of those two ends are
 * closed, so the echo's output ends when init closes `into`'s sender.
 */
function startEcho<T>(kernel: Kernel, codec: CodecName, into: { receiver: ChannelReceiver<T> }, back: { sender: ChannelSender<T> }): { task: TaskHandle; c: Int32Array } {
  const c = controlWords(ECHO.words);
  const task = kernel.spawn(fixture('api/fixtures/channel-echo'), { data: { ctl: c.buffer, codec } });
  setWord(c, ECHO.inHandle, into.receiver.grant(task.pid));
  setWord(c, ECHO.outHandle, back.sender.grant(task.pid));
  into.receiver.close();
  back.sender.close();
  return { task, c };
}
async function collect<T>(receiver: ChannelReceiver<T>): Promise<T[]> {
  const got: T[] = [];
  for await (const value of receiver) got.push(value);
  return got;
}
async function echoFinished(echo: { task: TaskHandle; c: Int32Array }, count: number): Promise<void> {
  const exit = await within(echo.task.exited, 10_000, 'the echo task to finish');
  assert.equal(exit.code, 0, exit.error);
  assert.equal(Atomics.load(echo.c, ECHO.error), 0, 'the echo saw no error');
  assert.equal(Atomics.load(echo.c, ECHO.ended), 1, "the echo's iteration ended");
  assert.equal(Atomics.load(echo.c, ECHO.echoed), count);
}

test('a message channel in one task: two ends with their own rights, FIFO, the kernel-written sender, `into`, trySend false when full, tryReceive undefined when empty, wait() events, BadHandleError once closed', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const { sender, receiver } = init.createChannel({ capacity: 3 });
    assert.ok(sender instanceof ChannelSender && receiver instanceof ChannelReceiver);
    const si = sender.info();
    const ri = receiver.info();
    assert.deepEqual([si.type, si.rights], [OBJ_CHANNEL, RIGHT_WRITE | RIGHT_GRANT]);
    assert.deepEqual([ri.type, ri.rights], [OBJ_CHANNEL, RIGHT_READ | RIGHT_GRANT]);
    assert.equal(si.objectId, ri.objectId);
    const info = channelInfo(kernel, sender);
    assert.deepEqual([info.type, info.capacity, info.depth], ['channel', 3, 0]);
    assert.deepEqual(info.ends, { senders: 1, receivers: 1 });
    const withChannel = kernel.usage();
    assert.equal(withChannel.objects, baseline.objects + 1);
    assert.equal(withChannel.handles, baseline.handles + 2, 'two ends, two handles');
    assert.ok(withChannel.pages > baseline.pages, 'its slots come from the page pool');

    assert.equal(receiver.tryReceive(), undefined, 'empty');
    assert.equal(sender.wait(), EVENT_WRITABLE);
    assert.throws(() => receiver.wait({ timeout: 20 }), timedOut, 'empty: nothing ready for the receiver');
    const forged = Message.of(1, 'one');
    forged.sender = 999;
    sender.send(forged);
    await sender.sendAsync(Message.of(2, 'two'));
    assert.equal(sender.trySend(Message.of(3, 'three')), true);
    assert.equal(sender.trySend(Message.of(4, 'four')), false, 'full');
    assert.equal(channelInfo(kernel, sender).depth, 3, 'the refused value was not queued');
    assert.equal(receiver.wait(), EVENT_READABLE);
    assert.throws(() => sender.wait({ timeout: 20 }), timedOut, 'full: nothing ready for the sender');

    const into = new Message();
    const first = receiver.receive({ into });
    assert.equal(first, into, 'received into the given message');
    assert.deepEqual([first.type, first.text(), first.sender], [1, 'one', 1], 'the kernel writes the sender');
    const second = await receiver.receiveAsync();
    assert.deepEqual([second.type, second.text(), second.sender], [2, 'two', 1]);
    const third = receiver.tryReceive(into)!;
    assert.equal(third, into);
    assert.deepEqual([third.type, third.text()], [3, 'three']);
    assert.equal(receiver.tryReceive(), undefined);

    // A receiveAsync that has to wait is woken by a later send.
    const pending = receiver.receiveAsync();
    await tick();
    sender.send(Message.of(5, 'five'));
    assert.equal((await within(pending, 5_000, 'receiveAsync to be woken')).text(), 'five');

    sender.close();
    sender.close(); // idempotent
    assert.throws(() => sender.send(Message.of(1)), badHandle);
    assert.throws(() => sender.trySend(Message.of(1)), badHandle);
    await assert.rejects(sender.sendAsync(Message.of(1)), badHandle);
    receiver.close();
    assert.throws(() => receiver.receive(), badHandle);
    assert.throws(() => receiver.tryReceive(), badHandle);
    await assert.rejects(receiver.receiveAsync(), badHandle);
    assert.deepEqual(kernel.usage(), baseline, 'the channel and its pages are freed with its last end');
  });
});

test('the end of a channel: the last sender end going lets receivers drain, then BrokenPipeError (a duplicate keeps it open); the last receiver end going makes every send fail with nothing queued', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const a = init.createChannel({ capacity: 4 });
    a.sender.send(Message.of(1));
    a.sender.send(Message.of(2));
    const dup = a.sender.duplicate();
    assert.ok(dup instanceof ChannelSender);
    assert.equal(dup.info().rights, RIGHT_WRITE | RIGHT_GRANT);
    assert.deepEqual(channelInfo(kernel, a.receiver).ends, { senders: 2, receivers: 1 });
    a.sender.close();
    assert.deepEqual(channelInfo(kernel, a.receiver).ends, { senders: 1, receivers: 1 });
    assert.equal(a.receiver.receive().type, 1);
    dup.send(Message.of(3));
    dup.close();
    assert.deepEqual(channelInfo(kernel, a.receiver).ends, { senders: 0, receivers: 1 });
    assert.equal(a.receiver.receive().type, 2, 'queued values drain first');
    assert.equal(a.receiver.tryReceive()!.type, 3);
    assert.throws(() => a.receiver.receive(), brokenPipe);
    assert.throws(() => a.receiver.tryReceive(), brokenPipe);
    await assert.rejects(a.receiver.receiveAsync(), brokenPipe);
    assert.deepEqual(await collect(a.receiver), [], 'iteration ends at once');
    a.receiver.close();

    const b = init.createChannel({ capacity: 2 });
    const rdup = b.receiver.duplicate();
    b.receiver.close();
    b.sender.send(Message.of(1)); // a receiver end is left
    rdup.close();
    assert.deepEqual(channelInfo(kernel, b.sender).ends, { senders: 1, receivers: 0 });
    assert.throws(() => b.sender.send(Message.of(2)), brokenPipe);
    assert.throws(() => b.sender.trySend(Message.of(2)), brokenPipe);
    await assert.rejects(b.sender.sendAsync(Message.of(2)), brokenPipe);
    assert.equal(channelInfo(kernel, b.sender).depth, 1, 'nothing was queued by the failed sends');
    b.sender.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('tasks blocked on a channel wake with BrokenPipeError: receivers when the last sender end closes, senders (their value not sent) when the last receiver end closes', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const a = init.createChannel({ capacity: 2 });
    const receivers = [startOp(kernel, a.receiver, { op: 'receive' }), startOp(kernel, a.receiver, { op: 'receiveAsync' })];
    a.receiver.close();
    for (const r of receivers) await blockedOn(kernel, r.task.pid, a.sender, 'readable');
    a.sender.close();
    for (const r of receivers) {
      assert.equal(await opResult(r, 'the blocked receiver to wake'), 32, 'EPIPE');
      assert.equal(Atomics.load(r.c, OP.code), 1, 'a BrokenPipeError with code EPIPE');
      assert.equal((await within(r.task.exited, 10_000, 'the receiver task to exit')).code, 0);
    }

    const b = init.createChannel({ capacity: 1 });
    b.sender.send(Message.of(1).setU32(0, 1));
    const senders = [startOp(kernel, b.sender, { op: 'send', value: 77, linger: true }), startOp(kernel, b.sender, { op: 'sendAsync', value: 78, linger: true })];
    b.sender.close();
    for (const s of senders) await blockedOn(kernel, s.task.pid, b.receiver, 'writable');
    assert.equal(channelInfo(kernel, b.receiver).waiters.senders, 2);
    b.receiver.close();
    for (const s of senders) {
      assert.equal(await opResult(s, 'the blocked sender to wake'), 32, 'EPIPE');
      assert.equal(Atomics.load(s.c, OP.code), 1);
    }
    // The tasks linger with their sender ends: the channel is still there to look at.
    const info = kernel.snapshot().objects.find((o) => o.type === 'channel')!;
    assert.deepEqual(info.ends, { senders: 2, receivers: 0 });
    assert.equal(info.depth, 1, 'only the value queued before; the blocked values were not sent');
    await Promise.all(senders.map((s) => s.task.terminate()));
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('bytes channels: Uint8Array values of 0..maxBytes through another task (channelReceiver/channelSender with no codec), copied at send; the echo ends with its input', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const into = init.createChannel({ maxBytes: 64, capacity: 4 });
    const back = init.createChannel({ maxBytes: 64, capacity: 4 });
    const echo = startEcho(kernel, 'bytes', into, back);
    const values = [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(64).map((_, i) => i * 3 + 1), new Uint8Array(17).fill(0xff)];
    const reused = Uint8Array.of(9, 9, 9);
    const gathering = collect(back.receiver);
    into.sender.send(reused);
    reused[0] = 1; // after the send: the queued value is a copy
    for (const v of values) await into.sender.sendAsync(v);
    into.sender.close();
    const got = await within(gathering, 10_000, 'the echoed values');
    assert.ok(got.every((v) => v instanceof Uint8Array));
    assert.deepEqual(got, [Uint8Array.of(9, 9, 9), ...values]);
    await echoFinished(echo, values.length + 1);
    back.receiver.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

for (const codec of ['structured', 'msgpack'] as const) {
test(`${codec} values (Map, Set, Date, nested objects, BigInt, typed arrays, cycles) round-trip through another task${codec === 'msgpack' ? ', whose ends are wrapped with no codec: the channel names it' : ''}`, T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const into = init.createChannel<unknown>({ maxBytes: 4096, capacity: 4, codec });
    const back = init.createChannel<unknown>({ maxBytes: 4096, capacity: 4, codec });
    const echo = startEcho(kernel, codec, into, back);
    const cyclic: { name: string; self?: unknown; list: unknown[] } = { name: 'loop', list: [] };
    cyclic.self = cyclic;
    cyclic.list.push(cyclic);
    const values: unknown[] = [
      42,
      'text ünïcödé',
      null,
      [1, [2, [3, [4]]]],
      new Map<string, unknown>([
        ['a', new Set([1, 2, 3])],
        ['b', new Map([[1, new Date(0)]])],
      ]),
      new Set(['x', 'y']),
      new Date('2020-02-02T02:02:02.020Z'),
      { nested: { deep: { big: [1n, 2n ** 70n], bytes: Uint8Array.of(1, 2, 3), f64: new Float64Array([0.5, -1]) } }, when: new Date(1) },
      cyclic,
    ];
    const gathering = collect(back.receiver);
    for (const v of values) into.sender.send(v);
    into.sender.close();
    const got = await within(gathering, 10_000, 'the echoed values');
    assert.deepStrictEqual(got, values);
    const loop = got[got.length - 1] as typeof cyclic;
    assert.equal(loop.self, loop, 'the cycle survived');
    assert.ok(got[4] instanceof Map && got[5] instanceof Set && got[6] instanceof Date);
    await echoFinished(echo, values.length);
    back.receiver.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});
}

test('codecs of your own: a binary Point codec through another task, jsonCodecOf, and a codec that does not return bytes', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const into = init.createChannel<Point>({ maxBytes: 40, codec: pointCodec });
    const back = init.createChannel<Point>({ maxBytes: 40, codec: pointCodec });
    const echo = startEcho(kernel, 'point', into, back);
    const points: Point[] = [
      { x: 1.5, y: -2.25, label: 'a' },
      { x: 0, y: 1e6, label: '' },
      { x: -0.125, y: 3, label: 'thirty-two bytes of label......!' },
    ];
    const gathering = collect(back.receiver);
    for (const p of points) into.sender.send(p);
    assert.throws(() => into.sender.send({ x: 0, y: 0, label: 'x'.repeat(33) }), tooLarge(41, 40), 'encoded size is what counts');
    into.sender.close();
    assert.deepEqual(await within(gathering, 10_000, 'the echoed points'), points);
    await echoFinished(echo, points.length);
    back.receiver.close();

    const json = init.createChannel({ maxBytes: 64, codec: jsonCodecOf<{ a: number; b: string[] }>() });
    json.sender.send({ a: 1, b: ['x'] });
    assert.deepEqual(json.receiver.receive(), { a: 1, b: ['x'] });
    json.sender.close();
    json.receiver.close();

    const wrong: Codec<string> = { encode: (s) => s as unknown as Uint8Array, decode: (b) => String(b) };
    const bad = init.createChannel({ maxBytes: 64, codec: wrong });
    assert.throws(() => bad.sender.send('not bytes'), (e: unknown) => {
      kipcError(InvalidArgumentError, 22, 'EINVAL')(e);
      assert.match((e as Error).message, /Uint8Array/);
      return true;
    });
    assert.equal(bad.receiver.tryReceive(), undefined);
    bad.sender.close();
    bad.receiver.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('the codec is the channel\'s: an end wrapped with another codec, with a codec for a bytes channel, or without the creator\'s own codec is refused with CodecMismatchError naming both; nothing is consumed', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const packed = init.createChannel<unknown>({ maxBytes: 256, codec: 'msgpack' });
    packed.sender.send({ kept: true });
    const mismatch = (ours: RegExp, theirs: RegExp) => (e: unknown) => {
      kipcError(CodecMismatchError, 22, 'EINVAL')(e);
      assert.ok(e instanceof InvalidArgumentError);
      assert.match((e as Error).message, ours);
      assert.match((e as Error).message, theirs);
      return true;
    };
    const receiverHandle = packed.receiver.duplicate();
    assert.throws(() => init.channelReceiver(receiverHandle.handle, { codec: 'structured' }), mismatch(/'msgpack'/, /'v8'/));
    assert.throws(() => init.channelReceiver(receiverHandle.handle, { codec: pointCodec }), mismatch(/'msgpack'/, /unnamed codec/));
    assert.deepEqual(init.channelReceiver<unknown>(receiverHandle.handle).receive(), { kept: true }, 'no codec: the recorded one; the refusals consumed nothing');
    assert.throws(() => init.channelReceiver(receiverHandle.handle, { codec: 'bogus' as 'json' }), kipcError(InvalidArgumentError, 22, 'EINVAL'));

    const own = init.createChannel<Point>({ maxBytes: 64, codec: { ...pointCodec, name: 'point' } });
    const ownReceiver = own.receiver.duplicate();
    assert.throws(() => init.channelReceiver(ownReceiver.handle), mismatch(/codec of its own/, /no codec/));
    assert.throws(() => init.channelReceiver(ownReceiver.handle, { codec: { ...pointCodec, name: 'other' } }), CodecMismatchError);
    own.sender.send({ x: 1, y: 2, label: 'p' });
    assert.deepEqual(init.channelReceiver<Point>(ownReceiver.handle, { codec: { ...pointCodec, name: 'point' } }).receive(), { x: 1, y: 2, label: 'p' });

    const bytes = init.createChannel({ maxBytes: 16 });
    assert.throws(() => init.channelSender(bytes.sender.handle, { codec: 'msgpack' }), mismatch(/no codec/, /'msgpack'/));
    for (const h of [packed.sender, packed.receiver, receiverHandle, own.sender, own.receiver, ownReceiver, bytes.sender, bytes.receiver]) h.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('too-large values throw InvalidArgumentError with a sentence and send nothing (bytes and structured; send, sendAsync, trySend); bad channel options are refused', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const bytes = init.createChannel({ maxBytes: 16, capacity: 4 });
    const big = new Uint8Array(17);
    assert.throws(() => bytes.sender.send(big), tooLarge(17, 16));
    assert.throws(() => bytes.sender.trySend(big), tooLarge(17, 16));
    await assert.rejects(bytes.sender.sendAsync(big), tooLarge(17, 16));
    assert.throws(() => bytes.sender.send('text' as unknown as Uint8Array), kipcError(InvalidArgumentError, 22, 'EINVAL'), 'not a Uint8Array');
    assert.equal(channelInfo(kernel, bytes.sender).depth, 0, 'nothing was sent');
    assert.equal(bytes.receiver.tryReceive(), undefined);
    bytes.sender.send(new Uint8Array(16).fill(7));
    assert.deepEqual(bytes.receiver.receive(), new Uint8Array(16).fill(7), 'exactly maxBytes is fine');

    const structured = init.createChannel<unknown>({ maxBytes: 64, codec: 'structured' });
    const huge = { text: 'x'.repeat(100) };
    assert.throws(() => structured.sender.send(huge), (e: unknown) => {
      kipcError(InvalidArgumentError, 22, 'EINVAL')(e);
      assert.match((e as Error).message, /maximum of 64\b.*nothing was sent/);
      return true;
    });
    await assert.rejects(structured.sender.sendAsync(huge), InvalidArgumentError);
    assert.throws(() => structured.sender.trySend(huge), InvalidArgumentError);
    assert.equal(channelInfo(kernel, structured.sender).depth, 0);
    structured.sender.send({ small: true });
    assert.deepEqual(structured.receiver.receive(), { small: true });

    // A full channel still refuses a too-large value at once (no waiting, nothing queued).
    const full = init.createChannel({ maxBytes: 8, capacity: 1 });
    full.sender.send(new Uint8Array(1));
    assert.throws(() => full.sender.send(new Uint8Array(9)), tooLarge(9, 8));
    assert.equal(channelInfo(kernel, full.sender).depth, 1);

    assert.throws(() => init.createChannel({ codec: 'structured' } as unknown as { maxBytes: number; codec: 'structured' }), (e: unknown) => {
      kipcError(InvalidArgumentError, 22, 'EINVAL')(e);
      assert.match((e as Error).message, /maxBytes/);
      return true;
    });
    assert.throws(() => init.createChannel({ capacity: 0 }), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    assert.throws(() => init.createChannel({ capacity: 1.5 }), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    assert.throws(() => init.createChannel({ maxBytes: -1 }), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    for (const c of [bytes, structured, full]) {
      c.sender.close();
      c.receiver.close();
    }
    assert.deepEqual(kernel.usage(), baseline, 'refused creations allocated nothing');
  });
});

test('timeouts: TimeoutError from receive/receiveAsync on an empty channel and send/sendAsync on a full one; a send that timed out sent nothing', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const { sender, receiver } = kernel.task.createChannel({ capacity: 1 });
    assert.throws(() => receiver.receive({ timeout: 20 }), timedOut);
    assert.throws(() => receiver.receive({ timeout: 0 }), timedOut);
    await assert.rejects(receiver.receiveAsync({ timeout: 20 }), timedOut);
    sender.send(Message.of(1));
    assert.throws(() => sender.send(Message.of(2), { timeout: 20 }), timedOut);
    await assert.rejects(sender.sendAsync(Message.of(3), { timeout: 20 }), timedOut);
    assert.equal(channelInfo(kernel, sender).depth, 1);
    assert.equal(receiver.receive({ timeout: 1_000 }).type, 1, 'a value there is received before any deadline');
    assert.equal(receiver.tryReceive(), undefined, 'the timed-out sends queued nothing');
    sender.close();
    receiver.close();
  });
});

test('AbortSignal: receiveAsync and sendAsync reject with InterruptedError carrying the reason; an aborted send sends nothing; an already aborted signal fails at once; a pending receiveAsync is woken by another task', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const { sender, receiver } = init.createChannel({ capacity: 1 });
    const ac = new AbortController();
    const reason = new Error('stop receiving');
    const pendingReceive = receiver.receiveAsync({ signal: ac.signal });
    await waitFor(() => isBlockedOn(kernel.snapshot(), 1, 'channel', 'readable'), 'init to park in receiveAsync');
    ac.abort(reason);
    await assert.rejects(pendingReceive, kipcError(InterruptedError, 4, 'EINTR', reason));

    sender.send(Message.of(1));
    const ac2 = new AbortController();
    const pendingSend = sender.sendAsync(Message.of(2), { signal: ac2.signal });
    await waitFor(() => isBlockedOn(kernel.snapshot(), 1, 'channel', 'writable'), 'init to park in sendAsync');
    ac2.abort('enough');
    await assert.rejects(pendingSend, kipcError(InterruptedError, 4, 'EINTR', 'enough'));
    assert.equal(channelInfo(kernel, sender).depth, 1, 'the aborted value was not sent');

    const aborted = AbortSignal.abort(new Error('before'));
    await assert.rejects(receiver.receiveAsync({ signal: aborted }), kipcError(InterruptedError, 4, 'EINTR', aborted.reason));
    assert.equal(channelInfo(kernel, sender).depth, 1, 'an already aborted receive takes nothing, even with a value waiting');
    assert.equal(receiver.receive().type, 1);
    await assert.rejects(sender.sendAsync(Message.of(3), { signal: aborted }), InterruptedError);
    assert.equal(receiver.tryReceive(), undefined, 'an already aborted send sends nothing, even with room');

    // A pending receiveAsync with a signal that never fires is woken by a task's send.
    const live = new AbortController();
    const waiting = receiver.receiveAsync({ signal: live.signal, timeout: 20_000 });
    const op = startOp(kernel, sender, { op: 'send', value: 4242 });
    const m = await within(waiting, 10_000, 'the task to send');
    assert.deepEqual([m.type, m.getU32(0), m.sender], [9, 4242, op.task.pid]);
    assert.equal(await opResult(op, 'the send to return'), 1);
    sender.close();
    receiver.close();
  });
});

test('for await: ends once the last sender end is gone and the queue drained, or when the receiver end itself is closed; break leaves the end open', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const a = init.createChannel({ capacity: 8 });
    const iteration = (async () => {
      const got: number[] = [];
      for await (const m of a.receiver) got.push(m.type);
      return got;
    })();
    a.sender.send(Message.of(1));
    a.sender.send(Message.of(2));
    await waitFor(() => channelInfo(kernel, a.sender).depth === 0 && isBlockedOn(kernel.snapshot(), 1, 'channel', 'readable'), 'the iteration to take both and wait');
    a.receiver.close();
    assert.deepEqual(await within(iteration, 5_000, 'the iteration to end with its closed end'), [1, 2]);
    assert.throws(() => a.sender.send(Message.of(3)), brokenPipe, 'no receiver end left');
    a.sender.close();

    const b = init.createChannel({ capacity: 8 });
    for (let i = 1; i <= 3; i++) b.sender.send(Message.of(i));
    for await (const m of b.receiver) {
      assert.equal(m.type, 1);
      break;
    }
    assert.equal(b.receiver.tryReceive()!.type, 2, 'break did not close the end');
    b.sender.close();
    assert.deepEqual(
      (await collect(b.receiver)).map((m) => m.type),
      [3],
      'the rest drains, then the iteration ends',
    );
    b.receiver.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('wrapping granted handles: a message echo task wraps its ends with channelReceiver/channelSender (the kernel writes its pid as sender); wrapping a non-channel handle is BadHandleError; a receiver end cannot send (PermissionError)', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const into = init.createChannel({ capacity: 2 });
    const back = init.createChannel({ capacity: 2 });
    const echo = startEcho(kernel, 'message', into, back);
    const gathering = collect(back.receiver);
    for (let i = 1; i <= 5; i++) into.sender.send(Message.of(i, `m${i}`));
    into.sender.close();
    const got = await within(gathering, 10_000, 'the echoed messages');
    assert.deepEqual(
      got.map((m) => [m.type, m.text(), m.sender]),
      [1, 2, 3, 4, 5].map((i) => [i, `m${i}`, echo.task.pid]),
    );
    await echoFinished(echo, 5);
    back.receiver.close();

    const sem = init.createSemaphore(0);
    assert.throws(() => init.channelSender(sem.handle), badHandle);
    assert.throws(() => init.channelReceiver(sem.handle), badHandle);
    sem.close();
    const c = init.createChannel({ capacity: 2 });
    assert.throws(() => init.channelSender(c.receiver.handle).send(Message.of(1)), kipcError(PermissionError, 1, 'EPERM'));
    assert.throws(() => init.channelReceiver(c.sender.handle).tryReceive(), kipcError(PermissionError, 1, 'EPERM'));
    const bytes = init.createChannel({ maxBytes: 8 });
    const wrapped = init.channelSender(bytes.sender.handle);
    wrapped.send(Uint8Array.of(1, 2) as unknown as Message);
    assert.deepEqual(init.channelReceiver<Uint8Array>(bytes.receiver.handle).receive(), Uint8Array.of(1, 2), 'the wrapper takes the format from the kernel');
    for (const x of [c, bytes]) {
      x.sender.close();
      x.receiver.close();
    }
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('a task terminated while blocked in receive: its end goes, another blocked receiver and init carry on', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const { sender, receiver } = init.createChannel({ capacity: 2 });
    const victim = startOp(kernel, receiver, { op: 'receive' });
    const other = startOp(kernel, receiver, { op: 'receiveAsync' });
    await blockedOn(kernel, victim.task.pid, sender, 'readable');
    await blockedOn(kernel, other.task.pid, sender, 'readable');
    assert.deepEqual(channelInfo(kernel, sender).ends, { senders: 1, receivers: 3 });
    await within(victim.task.terminate(), 10_000, 'the blocked receiver to be terminated');
    assert.deepEqual(channelInfo(kernel, sender).ends, { senders: 1, receivers: 2 }, "the dead task's end is gone");
    assert.equal(Atomics.load(victim.c, OP.result), 0, 'the victim never returned');
    sender.send(Message.of(9).setU32(0, 41));
    assert.equal(await opResult(other, 'the other receiver to get the message'), 1);
    assert.equal(Atomics.load(other.c, OP.value), 41);
    assert.equal((await within(other.task.exited, 10_000, 'the other receiver to exit')).code, 0);
    sender.send(Message.of(9).setU32(0, 42));
    assert.equal(receiver.receive().getU32(0), 42, 'init receives as before');
    sender.close();
    receiver.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('a task terminated while blocked in send: its value is never queued, another blocked sender carries on; when the last sender end dies, the receiver drains and gets BrokenPipeError', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    const { sender, receiver } = init.createChannel({ capacity: 2 });
    sender.send(Message.of(9).setU32(0, 1));
    sender.send(Message.of(9).setU32(0, 2));
    const victim = startOp(kernel, sender, { op: 'send', value: 99 });
    const other = startOp(kernel, sender, { op: 'sendAsync', value: 100 });
    sender.close(); // the two tasks hold the only sender ends
    await blockedOn(kernel, victim.task.pid, receiver, 'writable');
    await blockedOn(kernel, other.task.pid, receiver, 'writable');
    await within(victim.task.terminate(), 10_000, 'the blocked sender to be terminated');
    assert.deepEqual(channelInfo(kernel, receiver).ends, { senders: 1, receivers: 1 });
    assert.equal(channelInfo(kernel, receiver).depth, 2, "the dead task's value was not queued");
    const got: number[] = [];
    got.push(receiver.receive().getU32(0));
    assert.equal(await opResult(other, 'the other sender to get room'), 1);
    assert.equal((await within(other.task.exited, 10_000, 'the other sender to exit')).code, 0);
    // Its sender end closed with it: the last one. The rest drains, then the channel has ended.
    for (;;) {
      try {
        got.push(receiver.receive({ timeout: 10_000 }).getU32(0));
      } catch (e) {
        brokenPipe(e);
        break;
      }
    }
    assert.deepEqual(got, [1, 2, 100], 'never the value of the terminated task');
    receiver.close();

    // The same when the task holding the last sender end is terminated while blocked.
    const c = init.createChannel({ capacity: 1 });
    c.sender.send(Message.of(9).setU32(0, 7));
    const last = startOp(kernel, c.sender, { op: 'send', value: 8 });
    c.sender.close();
    await blockedOn(kernel, last.task.pid, c.receiver, 'writable');
    await within(last.task.terminate(), 10_000, 'the last sender to be terminated');
    assert.equal(c.receiver.receive().getU32(0), 7);
    assert.throws(() => c.receiver.receive({ timeout: 10_000 }), brokenPipe, 'the death closed the last sender end');
    c.receiver.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('async receives running side by side on a bytes or value channel each get their own value (no shared receive buffer)', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const t = kernel.task;
    const bytes = t.createChannel({ maxBytes: 16 });
    bytes.sender.send(new Uint8Array([1, 1]));
    bytes.sender.send(new Uint8Array([2, 2, 2]));
    const [first, second] = await Promise.all([bytes.receiver.receiveAsync(), bytes.receiver.receiveAsync()]);
    assert.deepEqual([...first], [1, 1]);
    assert.deepEqual([...second], [2, 2, 2]);

    const values = t.createChannel<{ n: number }>({ maxBytes: 256, codec: 'structured' });
    values.sender.send({ n: 1 });
    values.sender.send({ n: 2 });
    const [one, two] = await Promise.all([values.receiver.receiveAsync(), values.receiver.receiveAsync()]);
    assert.deepEqual([one.n, two.n], [1, 2]);
  });
});
