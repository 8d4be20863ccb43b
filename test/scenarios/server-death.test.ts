/**
 * docs/objects/call.md, "When the server dies" and "When the port is destroyed": a server dies while 8 caller
 * tasks are blocked in call on its port, three of whose calls it has
 * already received (and not answered), the other five still queued. Every
 * caller gets EPIPE promptly, in every form: Port.call and Port.callAsync
 * throw BrokenPipeError (errno 32, code 'EPIPE') and leave the error reply in
 * the message; IPC_CALL returns -32 and writes the error reply (msg_type
 * 0x80, payload u32 32) over the message. The same whatever way the server
 * dies: terminated, an uncaught exception, returning normally, process.exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokenPipeError, MSG_TYPE_REPLY, Message, type Kernel, type TaskExit } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { CALLER, SERVER } from './fixtures/layout.js';
import { controlWords, setWord } from '../support/control-words.js';
import { withGuardedKernel } from '../support/kernel.js';

const CALLERS = 8;
const HELD = 3;
const MODES = ['sync', 'async', 'abi'] as const;

async function serverDiesWithCallers(kernel: Kernel, death: 'terminate' | 'throw' | 'return' | 'exit'): Promise<TaskExit> {
  const baseline = kernel.usage();
  const path = '/srv/doomed';
  const sc = controlWords(SERVER.words);
  const server = kernel.spawn(fixture('scenarios/fixtures/dying-server'), {
    data: { path, hold: HELD, death: death === 'terminate' ? 'wait' : death, ctl: sc.buffer },
  });
  await waitFor(() => Atomics.load(sc, SERVER.bound) === 1, 'the server to bind');

  const cc = controlWords(CALLER.base + CALLERS * CALLER.stride);
  const callers = Array.from({ length: CALLERS }, (_, index) =>
    kernel.spawn(fixture('scenarios/fixtures/caller'), { data: { path, index, ctl: cc.buffer, mode: MODES[index % MODES.length] } }),
  );
  const callerPids = new Set(callers.map((t) => t.pid));
  await waitFor(() => Atomics.load(sc, SERVER.received) === HELD, 'the server to receive its first calls');
  await waitFor(() => {
    const blocked = kernel.snapshot().tasks.filter((t) => callerPids.has(t.pid) && t.state === 'blocked' && t.blockedOn?.event === 'reply');
    return blocked.length === CALLERS;
  }, 'every caller to be blocked waiting for its reply');
  const snap = kernel.snapshot();
  assert.equal(snap.usage.calls - baseline.calls, CALLERS, 'eight calls in flight');
  const port = snap.objects.find((o) => o.names.includes(path));
  assert.ok(port, 'the server port is bound');
  assert.equal(port.depth, CALLERS - HELD, 'the calls not yet received are queued');
  for (let i = 0; i < CALLERS; i++) assert.equal(Atomics.load(cc, CALLER.base + i * CALLER.stride + CALLER.state), 1, `caller ${i} is still in its call`);

  const epipesBefore = snap.stats.epipeReplies;
  let exit: Promise<TaskExit>;
  if (death === 'terminate') exit = server.terminate();
  else {
    setWord(sc, SERVER.go, 1);
    exit = server.exited;
  }
  const exits = await within(Promise.all(callers.map((t) => t.exited)), 10_000, 'every caller to get its EPIPE');
  for (let i = 0; i < CALLERS; i++) {
    const at = CALLER.base + i * CALLER.stride;
    const what = `caller ${i} (${MODES[i % MODES.length]})`;
    assert.equal(exits[i]!.code, 0, `${what} exited cleanly: ${exits[i]!.error ?? ''}`);
    assert.equal(Atomics.load(cc, at + CALLER.state), 2, `${what} finished its call`);
    assert.equal(Atomics.load(cc, at + CALLER.result), 32, `${what} got EPIPE`);
    assert.equal(Atomics.load(cc, at + CALLER.typedOk), 1, `${what}: BrokenPipeError with code EPIPE / IPC_CALL returned -32`);
    assert.equal(Atomics.load(cc, at + CALLER.replyType), MSG_TYPE_REPLY, `${what}: the error reply has msg_type 0x80`);
    assert.equal(Atomics.load(cc, at + CALLER.replyStatus), 32, `${what}: the error reply carries status 32`);
  }
  const serverExit = await within(exit, 10_000, 'the server to be reaped');
  assert.ok(kernel.snapshot().stats.epipeReplies - epipesBefore >= CALLERS, 'the kernel counted the EPIPE replies');
  assert.deepEqual(kernel.usage(), baseline, 'calls, ports, handles and names of the dead are all released');
  assert.deepEqual(kernel.snapshot().names, []);
  return serverExit;
}

test('a terminated server: all 8 blocked callers (3 calls received, 5 queued) get EPIPE', async () => {
  await withGuardedKernel(async (kernel) => {
    await serverDiesWithCallers(kernel, 'terminate');
  });
});

test('a server dying of an uncaught exception: all 8 blocked callers get EPIPE', async () => {
  await withGuardedKernel(async (kernel) => {
    const exit = await serverDiesWithCallers(kernel, 'throw');
    assert.notEqual(exit.code, 0);
    assert.match(exit.error ?? '', /dying on purpose/);
  });
});

test('a server returning normally with calls unanswered: all 8 blocked callers get EPIPE', async () => {
  await withGuardedKernel(async (kernel) => {
    const exit = await serverDiesWithCallers(kernel, 'return');
    assert.equal(exit.code, 0);
    assert.equal(exit.error, undefined);
  });
});

test('a server calling process.exit with calls unanswered: all 8 blocked callers get EPIPE', async () => {
  await withGuardedKernel(async (kernel) => {
    const exit = await serverDiesWithCallers(kernel, 'exit');
    assert.equal(exit.code, 7);
  });
});

test('a server dies while init itself is blocked in a synchronous call to it: init gets EPIPE', async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = kernel.usage();
    const path = '/srv/doomed';
    const sc = controlWords(SERVER.words);
    // The server receives the call, then throws once told to: init is blocked
    // in a sync call and cannot tell it, so the go word is set beforehand and
    // the server dies right after receiving.
    setWord(sc, SERVER.go, 1);
    const server = kernel.spawn(fixture('scenarios/fixtures/dying-server'), { data: { path, hold: 1, death: 'throw', ctl: sc.buffer } });
    await waitFor(() => Atomics.load(sc, SERVER.bound) === 1, 'the server to bind');
    const port = kernel.task.connect(path);
    const into = new Message();
    assert.throws(() => port.call(Message.of(5), { into }), (e: unknown) => e instanceof BrokenPipeError && e.errno === 32 && e.code === 'EPIPE');
    assert.equal(into.type, MSG_TYPE_REPLY);
    assert.equal(into.status, 32);
    assert.equal(into.sender, server.pid, 'the error reply names the dead server');
    await within(server.exited, 10_000, 'the server to be reaped');
    // The port is gone: a send through the stale handle is EPIPE too, then closing it frees everything.
    assert.throws(() => port.send(Message.of(1)), (e: unknown) => e instanceof BrokenPipeError);
    port.close();
    assert.deepEqual(kernel.usage(), baseline);
  });
});
