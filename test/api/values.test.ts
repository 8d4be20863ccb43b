/**
 * Values on ports (issue 17, points 1 and 3): port.send(value),
 * port.call(value), Message.value() and serve's value replies, across a
 * real task. Sizes on both sides of the inline limit (0, 48, 49 bytes,
 * 1 MiB) and over the limits (the sender's pages quota, the pool); the
 * out-of-line buffer's life (moved with the message, released when the
 * message is dropped, when the sender or the server dies, when the port is
 * destroyed); errors that cross (RemoteError with name, message, stack,
 * code and cause; serving goes on); codecs that disagree; a message lying
 * about carrying a buffer; the BUF_* syscalls' errnos.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BadHandleError,
  CodecMismatchError,
  InvalidArgumentError,
  Message,
  OutOfMemoryError,
  QuotaExceededError,
  RemoteError,
  sys,
  type Codec,
  type Kernel,
  type Port,
  type TaskHandle,
  MSG_TYPE_VALUE,
  VALUE_OUT_OF_LINE,
  errno as E,
} from '../../src/index.js';
import { brokenPipe, kipcError, timedOut } from '../support/errors.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';

const watchdog = startWatchdog(240_000, 'value tests');
after(() => watchdog.stop());
const T = { timeout: 90_000 };

const rawCodec: Codec<Uint8Array> = { name: 'raw', encode: (b) => b, decode: (b) => b };

/** Bytes 0..n-1 with a pattern that shows a shifted or truncated copy. */
function pattern(n: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return bytes;
}

/** Starts the value server at `path` (test/api/fixtures/value-server.ts) and waits until it serves. */
async function startServer(kernel: Kernel, path: string, codec?: 'raw'): Promise<{ server: TaskHandle; client: Port }> {
  const ready = kernel.task.createPort();
  ready.bind(`${path}/ready`);
  const server = kernel.spawn(fixture('api/fixtures/value-server'), { data: { path, codec } });
  const hello = await within(ready.receiveAsync(), 20_000, 'the value server to start');
  assert.equal(hello.value(), 'ready');
  ready.close();
  return { server, client: kernel.task.connect(path) };
}

test('values of 0, 48, 49 bytes and 1 MiB round-trip through a served call in another task, sync and async; 48 bytes go inline, 49 out of line; no page is held afterwards', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const { server, client } = await startServer(kernel, '/v/raw', 'raw');
    for (const size of [0, 1, 47, 48, 49, 4096, 4097, 100_000, 1 << 20]) {
      const bytes = pattern(size, size);
      const sync = client.call<Uint8Array>(bytes, { codec: rawCodec });
      assert.equal(sync.length, size);
      assert.deepEqual(sync, bytes, `${size} bytes, sync`);
      const async = await client.callAsync<Uint8Array>(bytes, { codec: rawCodec });
      assert.deepEqual(async, bytes, `${size} bytes, async`);
      // The server closes its own handle to the reply's buffer just after replying.
      await waitFor(() => kernel.usage().pages === baseline.pages, `no page held after ${size} bytes`);
    }
    // The form on the wire, seen by a receiver of one-way values.
    const port = kernel.task.createPort();
    for (const [size, outOfLine] of [[0, false], [48, false], [49, true], [1 << 20, true]] as const) {
      port.send(pattern(size), { codec: rawCodec });
      if (outOfLine) assert.ok(kernel.usage().pages > baseline.pages, 'a queued out-of-line value holds its pages');
      const m = port.receive();
      assert.ok(m.isValue);
      assert.equal((m.type & 0xffff0000) >>> 0, MSG_TYPE_VALUE);
      assert.equal((m.type & VALUE_OUT_OF_LINE) !== 0, outOfLine, `${size} bytes ${outOfLine ? 'out of line' : 'inline'}`);
      assert.equal(m.flags, 0, 'the buffer handle is closed at receipt');
      assert.deepEqual(m.value(rawCodec), pattern(size));
      assert.equal(kernel.usage().pages, baseline.pages, 'the buffer went with the receipt');
    }
    port.close();
    client.close();
    server.terminate();
    await server.exited;
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('msgpack by default: objects, Maps, Sets, Dates, typed arrays, cycles and undefined come back from another task; a 1 MiB object too', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const { server, client } = await startServer(kernel, '/v/obj');
    const cyclic: { name: string; self?: unknown } = { name: 'loop' };
    cyclic.self = cyclic;
    const values: unknown[] = [
      null,
      undefined,
      0,
      'text ünïcödé',
      { hello: 1 },
      [1, [2, [3]]],
      new Map<unknown, unknown>([['a', new Set([1, 2])], [3, new Date(5)]]),
      new Float64Array([0.5, -1]),
      Uint8Array.of(1, 2, 3),
      { big: 2n ** 70n, when: new Date('2020-02-02T02:02:02.020Z') },
      { rows: Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `row ${i}`, tags: ['a', 'b'] })) },
    ];
    for (const v of values) assert.deepStrictEqual(await client.callAsync({ echo: v }), v);
    const loop = client.call<typeof cyclic>({ echo: cyclic });
    assert.equal(loop.self, loop, 'the cycle survived');
    client.close();
    server.terminate();
    await server.exited;
  });
});

test('a handler that throws: the caller gets a RemoteError (remote name, message, stack, code, cause), sync and async; a thrown non-Error too; the server keeps serving', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const { server, client } = await startServer(kernel, '/v/throw');
    const check = (e: unknown): boolean => {
      assert.ok(e instanceof RemoteError && e instanceof Error, String(e));
      assert.equal(e.name, 'RemoteError');
      assert.equal(e.remoteName, 'TypeError');
      assert.match(e.message, /failed on purpose: 1/);
      assert.equal(e.code, 'E_ON_PURPOSE');
      assert.match(e.remoteStack ?? '', /value-server/, 'the remote stack names the server module');
      assert.match(e.stack ?? '', /thrown remotely/);
      const cause = e.cause as RemoteError;
      assert.ok(cause instanceof RemoteError);
      assert.equal(cause.remoteName, 'RangeError');
      assert.equal(cause.message, 'the inner cause');
      return true;
    };
    assert.throws(() => client.call({ fail: 1 }), check);
    await assert.rejects(client.callAsync({ fail: 1 }), check);
    await assert.rejects(client.callAsync({ throwValue: { why: 'a plain object' } }), (e: unknown) => {
      assert.ok(e instanceof RemoteError);
      assert.deepEqual(e.value, { why: 'a plain object' });
      return true;
    });
    assert.equal(await client.callAsync({ echo: 'still serving' }), 'still serving');
    // A server that dies and a handler that never answers keep their meaning (serving is one request at a time: the hang is last).
    const second = await startServer(kernel, '/v/throw2');
    await assert.rejects(second.client.callAsync({ die: true }), brokenPipe);
    assert.equal((await within(second.server.exited, 10_000, 'the server to end')).code, 3);
    second.client.close();
    assert.throws(() => client.call({ hang: true }, { timeout: 100 }), timedOut);
    client.close();
    server.terminate();
    await server.exited;
  });
});

test('out-of-line buffers are released: a sender that dies with values queued (the receiver still reads them), a port destroyed with values queued, a server that dies holding 1 MiB calls', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const baseline = kernel.usage();
    // The sender's values outlive it: it sends two and ends; both are read after.
    const inbox = init.createPort();
    inbox.bind('/v/inbox');
    const sender = kernel.spawn(fixture('api/fixtures/value-sender'), { data: { path: '/v/inbox', size: 300_000, count: 2 } });
    assert.equal((await within(sender.exited, 20_000, 'the sender to end')).code, 0);
    for (let i = 0; i < 2; i++) assert.deepEqual(inbox.receive({ timeout: 5_000 }).value(rawCodec), pattern(300_000, i));
    assert.equal(kernel.usage().pages, baseline.pages);
    const port = init.createPort();
    port.bind('/v/queued');
    const big = pattern(200_000);
    const client = init.connect('/v/queued');
    client.send(big, { codec: rawCodec });
    client.send(big, { codec: rawCodec });
    assert.ok(kernel.usage().pages >= baseline.pages + 2 * Math.ceil(200_000 / 4096));
    assert.deepEqual(port.receive().value(rawCodec), big);
    // The port destroyed with one still queued: its buffer goes with it.
    port.close();
    client.close();
    inbox.close();
    await waitFor(() => kernel.usage().pages === baseline.pages, 'the queued buffer to be released with its port');

    // A server process holding calls dies: callers get EPIPE and every buffer is released.
    const { server, client: caller } = await startServer(kernel, '/v/dying');
    const calls = [0, 1, 2].map(() => caller.callAsync({ hang: true, pad: big }).then(() => undefined, (e: unknown) => e));
    await waitFor(() => kernel.usage().calls >= 3, 'the three calls to be in flight');
    server.terminate();
    for (const call of calls) brokenPipe(await call);
    caller.close();
    await server.exited;
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('over the limits: a value beyond the sender\'s pages quota is QuotaExceededError, beyond the pool OutOfMemoryError; nothing is sent or held, and the next value goes', T, async () => {
  await withGuardedKernel(
    async (kernel) => {
      const init = kernel.task;
      const port = init.createPort();
      const baseline = kernel.usage();
      assert.throws(() => port.send(new Uint8Array(5 << 20), { codec: rawCodec }), kipcError(OutOfMemoryError, E.ENOMEM, 'ENOMEM'));
      assert.deepEqual(kernel.usage(), baseline);
      assert.equal(port.tryReceive(), undefined, 'nothing was sent');
      // A task with a quota of 4 pages.
      const limited = kernel.spawn(fixture('api/fixtures/value-quota'), { quotas: { pages: 4 } });
      const exit = await within(limited.exited, 20_000, 'the limited task');
      assert.equal(exit.code, 0, exit.error);
      port.send(pattern(100), { codec: rawCodec });
      assert.deepEqual(port.receive().value(rawCodec), pattern(100));
      port.close();
    },
    { pages: 1024 },
  );
});

test('codecs must agree: a request of a codec the server does not know comes back as CodecMismatchError; a reply read with another codec too; a message without a value says so', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const { server, client } = await startServer(kernel, '/v/codecs');
    const own: Codec<unknown> = { name: 'mine', encode: (v) => new TextEncoder().encode(JSON.stringify(v)), decode: (b) => JSON.parse(new TextDecoder().decode(b)) as unknown };
    await assert.rejects(client.callAsync({ echo: 1 }, { codec: own }), (e: unknown) => {
      // The server's request.value() refused the unknown codec; that error came back encoded with msgpack, which this caller does not read.
      assert.ok(e instanceof CodecMismatchError, String(e));
      return true;
    });
    assert.equal(await client.callAsync({ echo: 'json works' }, { codec: 'json' }), 'json works', 'a built-in codec is answered in kind');
    const port = kernel.task.createPort();
    port.send({ a: 1 }, { codec: 'json' });
    assert.throws(() => port.receive().value('msgpack'), CodecMismatchError);
    port.send(Message.of(5));
    assert.throws(() => port.receive().value(), (e: unknown) => e instanceof InvalidArgumentError && /carries no value/.test((e as Error).message));
    port.send({ a: 1 }, { codec: 'structured' });
    assert.deepEqual(port.receive().value(), { a: 1 }, 'a built-in codec is found from the message');
    assert.throws(() => port.send(() => 1, { codec: 'json' }), InvalidArgumentError, 'JSON of a function is no bytes');
    assert.throws(() => port.send(1, { codec: 'nope' as 'json' }), InvalidArgumentError);
    assert.equal(port.tryReceive(), undefined, 'refused values sent nothing');
    port.close();
    client.close();
    server.terminate();
    await server.exited;
  });
});

test('a message that claims an out-of-line value but carries another handle (or none): the receiver closes what came, Message.value says the bytes did not arrive, nothing leaks', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task;
    const port = init.createPort();
    const baseline = kernel.usage();
    const other = init.createPort();
    const liar = Message.of(MSG_TYPE_VALUE | (1 << 8) | VALUE_OUT_OF_LINE).setU32(0, 1 << 30);
    const moved = other.duplicate();
    liar.flags = moved.handle;
    port.send(liar);
    moved.close(); // a send transfers a copy of the handle: the sender keeps its own
    const got = port.receive();
    assert.equal(got.flags, 0, 'the handle that came was closed at receipt');
    assert.throws(() => got.value(), (e: unknown) => e instanceof InvalidArgumentError && /did not arrive/.test((e as Error).message));
    port.send(Message.of(MSG_TYPE_VALUE | (1 << 8) | VALUE_OUT_OF_LINE).setU32(0, 10));
    assert.throws(() => port.receive().value(), InvalidArgumentError);
    other.close();
    port.close();
    assert.equal(kernel.usage().handles, baseline.handles - 1);
    assert.equal(kernel.usage().objects, baseline.objects - 1);
  });
});

test('BUF_CREATE, BUF_READ and BUF_SIZE through the ABI: contents, short reads at the end, their errnos (EINVAL, EFAULT, EBADF); a buffer handle sent in flags moves, a duplicate stays', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const task = kernel.task;
    const baseline = kernel.usage();
    const mem = task.memory;
    mem.set(pattern(5000), 0);
    const h = task.syscall(sys.SYS_BUF_CREATE, 0, 5000);
    assert.ok(h > 0, `a handle, got ${h}`);
    assert.equal(kernel.usage().pages, baseline.pages + 2);
    assert.equal(task.syscall(sys.SYS_BUF_SIZE, h), 5000);
    mem.fill(0, 8192, 8192 + 6000);
    assert.equal(task.syscall(sys.SYS_BUF_READ, h, 0, 8192, 6000), 5000, 'a read past the end is short');
    assert.deepEqual(mem.subarray(8192, 8192 + 5000), pattern(5000));
    assert.equal(task.syscall(sys.SYS_BUF_READ, h, 4990, 8192, 100), 10);
    assert.equal(task.syscall(sys.SYS_BUF_READ, h, 6000, 8192, 100), 0);
    assert.equal(task.syscall(sys.SYS_BUF_CREATE, 0, 0), -E.EINVAL);
    assert.equal(task.syscall(sys.SYS_BUF_CREATE, mem.length - 10, 100), -E.EFAULT);
    assert.equal(task.syscall(sys.SYS_BUF_READ, h, -1, 0, 10), -E.EINVAL);
    assert.equal(task.syscall(sys.SYS_BUF_READ, h, 0, mem.length - 10, 100), -E.EFAULT);
    const port = task.createPort();
    assert.equal(task.syscall(sys.SYS_BUF_READ, port.handle, 0, 0, 10), -E.EBADF);
    assert.equal(task.syscall(sys.SYS_BUF_SIZE, port.handle), -E.EBADF);
    // A buffer handle sent in flags moves: the sender's goes; a duplicate made first stays.
    const kept = task.syscall(sys.SYS_HANDLE_DUPLICATE, h);
    assert.ok(kept > 0);
    const carrier = Message.of(5);
    carrier.flags = h;
    port.send(carrier);
    assert.equal(task.syscall(sys.SYS_BUF_SIZE, h), -E.EBADF, 'the sent handle moved away');
    assert.throws(() => task.port(h).info(), BadHandleError);
    assert.equal(task.syscall(sys.SYS_BUF_SIZE, kept), 5000, 'the duplicate stays');
    assert.deepEqual(kernel.check(), [], 'lineage counts hold with a buffer in flight');
    const arrived = port.receive();
    assert.ok(arrived.flags > 0);
    assert.equal(task.syscall(sys.SYS_BUF_READ, arrived.flags, 4990, 8192, 100), 10);
    assert.equal(task.syscall(sys.SYS_HANDLE_CLOSE, arrived.flags), 0);
    assert.equal(kernel.usage().pages, baseline.pages + 2, 'the duplicate holds the pages');
    assert.equal(task.syscall(sys.SYS_HANDLE_CLOSE, kept), 0);
    port.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});
