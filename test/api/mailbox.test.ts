/**
 * task.mailbox, the typed face of the rou2exOS mailbox, used by Strat9
 * tasks and init (docs/objects/mailbox.md): Mail's from/kind/data, a Strat9 task's
 * mailbox made on first use, the capacity (trySend false, send
 * WouldBlockError, nothing lost, `refused` counted), send { wait } that
 * sleeps while the target is full and completes when it drains (and its
 * timeout and abort), receive/receiveAsync deadlines and AbortSignal, two
 * receiveAsync in flight, `for await`, the errors of bad payloads and pids
 * (a stale pid whose slot was reused included), and mail between the two
 * personalities.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InterruptedError,
  InvalidArgumentError,
  MAILBOX_CAPACITY,
  MAILBOX_MESSAGE_BYTES,
  Mail,
  NoSuchTaskError,
  WouldBlockError,
  errno as E,
  type Kernel,
} from '../../src/index.js';
import { kipcError, timedOut } from '../support/errors.js';
import { tick, waitFor, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { R2Agent, RECEIVE_DATA, SEND_DATA, mailboxOf, slotOfPid, type MailOut, type ReceiveManyReport } from './fixtures/rou2exos-agent-client.js';
import { seededPattern } from '../support/patterns.js';
import { remote } from '../support/agent.js';
import { taskOf, waitBlockedOn, waitReceiving } from '../support/blocked.js';

// Sync receives block init's own thread: a kernel hang there is caught by the watchdog.
const watchdog = startWatchdog(90_000, 'mailbox API tests');
after(() => watchdog.stop());

const T = { timeout: 60_000 };
const noSuchTask = kipcError(NoSuchTaskError, E.ESRCH, 'ESRCH');
const invalid = kipcError(InvalidArgumentError, E.EINVAL, 'EINVAL');

function strat9(kernel: Kernel): Promise<R2Agent> {
  return R2Agent.spawn(kernel, { personality: 'strat9' });
}

test('init and a Strat9 task exchange mail: from is the sender pid, kind data, exactly the bytes sent; text() decodes UTF-8', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task.mailbox;
    const s = await strat9(kernel);
    assert.equal(s.personality, 'strat9');
    assert.equal(taskOf(kernel.snapshot(), s.pid)!.mailbox, undefined, 'a Strat9 task has no mailbox until it is used');
    init.send(s.pid, 'héllo, mailbox');
    const mb = mailboxOf(kernel, s.pid)!;
    assert.deepEqual([mb.type, mb.owner, mb.capacity, mb.depth], ['mailbox', s.pid, MAILBOX_CAPACITY, 1], 'made by the first send to it');
    const got = await s.run<MailOut>({ op: 'receive', timeout: 10_000 });
    assert.deepEqual(got, { from: 1, kind: 'data', data: new TextEncoder().encode('héllo, mailbox') });

    const binary = Uint8Array.of(0, 255, 0, 1, 0, 0, 0x80);
    await s.run({ op: 'send', pid: 1, data: binary });
    const mail = init.receive({ timeout: 10_000 });
    assert.ok(mail instanceof Mail);
    assert.deepEqual([mail.from, mail.kind, mail.data], [s.pid, 'data', binary]);
    assert.equal(mail.data.length, 7, 'exactly as long as sent');
    await s.run({ op: 'send', pid: 1, data: 'ünïcødé ✓' });
    assert.equal(init.receive({ timeout: 10_000 }).text(), 'ünïcødé ✓');

    // A view at an odd offset of a larger buffer sends just its bytes.
    const big = seededPattern(3, 1000);
    init.send(s.pid, big.subarray(3, 3 + 100));
    assert.deepEqual((await s.run<MailOut>({ op: 'tryReceive' })).data, big.subarray(3, 103));
    assert.equal(await s.run({ op: 'tryReceive' }), undefined, 'tryReceive on an empty mailbox');
    assert.equal(init.tryReceive(), undefined);
  });
});

test('mail sent to a task that is still starting waits in its mailbox (both personalities)', T, async () => {
  await withGuardedKernel(async (kernel) => {
    for (const personality of ['rou2exos', 'strat9'] as const) {
      let state: string | undefined;
      const agent = await R2Agent.spawn(kernel, {
        personality,
        onSpawn: (handle) => {
          state = taskOf(kernel.snapshot(), handle.pid)?.state;
          kernel.task.mailbox.send(handle.pid, `early to ${personality}`);
        },
      });
      assert.equal(state, 'starting', 'sent before the thread ran');
      const mail = await agent.run<MailOut>({ op: 'receive', timeout: 10_000 });
      assert.deepEqual([mail.from, new TextDecoder().decode(mail.data)], [1, `early to ${personality}`]);
    }
  });
});

test('mail between personalities: a rou2exOS task\'s send_data reaches a Strat9 task as Mail, and a typed send reaches receive_data', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const s = await strat9(kernel);
    const r = await R2Agent.spawn(kernel);
    const payload = seededPattern(9, 300);
    await r.write(0, payload);
    assert.equal(await r.sys(SEND_DATA, s.pid, 0, 300), 0);
    assert.deepEqual(await s.run<MailOut>({ op: 'receive', timeout: 10_000 }), { from: r.pid, kind: 'data', data: payload });
    await s.run({ op: 'send', pid: r.pid, data: payload.subarray(0, 33) });
    assert.equal(await r.sys(RECEIVE_DATA, 1, 4096), 33);
    assert.deepEqual(await r.read(4096, 33), payload.subarray(0, 33));
    // A rou2exOS task has the typed API too.
    await r.run({ op: 'send', pid: s.pid, data: 'typed' });
    const m = await s.run<MailOut>({ op: 'receive', timeout: 10_000 });
    assert.deepEqual([m.from, new TextDecoder().decode(m.data)], [r.pid, 'typed']);
  });
});

test('capacity: ten sends fit, then trySend is false and send throws WouldBlockError (EAGAIN); refusals counted; the ten arrive in order, intact', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task.mailbox;
    const s = await strat9(kernel);
    const payloads = Array.from({ length: MAILBOX_CAPACITY }, (_, i) => seededPattern(50 + i, 1 + i * 56)); // 1..505 bytes
    for (const p of payloads) assert.equal(init.trySend(s.pid, p), true);
    assert.equal(await s.run({ op: 'size' }), MAILBOX_CAPACITY);
    assert.equal(init.trySend(s.pid, 'eleven'), false, 'full: false, no throw');
    assert.throws(() => init.send(s.pid, 'eleven'), kipcError(WouldBlockError, E.EAGAIN, 'EAGAIN'));
    const mb = mailboxOf(kernel, s.pid)!;
    assert.deepEqual([mb.depth, mb.refused], [MAILBOX_CAPACITY, 2]);
    const got = await s.run<MailOut[]>({ op: 'drain' });
    assert.deepEqual(
      got,
      payloads.map((data) => ({ from: 1, kind: 'data', data })),
    );
    assert.equal(init.trySend(s.pid, 'room'), true);
    assert.equal((await s.run<MailOut>({ op: 'receive', timeout: 10_000 })).data.length, 4);
  });
});

test('payload and pid errors: empty or longer than 512 bytes is InvalidArgumentError; pid 0, negative, unknown, exited or stale is NoSuchTaskError (trySend too)', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task.mailbox;
    const s = await strat9(kernel);
    assert.equal(MAILBOX_MESSAGE_BYTES, 512);
    assert.throws(() => init.send(s.pid, ''), invalid);
    assert.throws(() => init.send(s.pid, new Uint8Array(0)), invalid);
    assert.throws(() => init.send(s.pid, new Uint8Array(513)), invalid);
    assert.throws(() => init.send(s.pid, 'x'.repeat(513)), invalid);
    assert.throws(() => init.send(s.pid, 'é'.repeat(257)), invalid, '514 bytes of UTF-8');
    assert.throws(() => init.trySend(s.pid, new Uint8Array(600)), invalid);
    init.send(s.pid, new Uint8Array(512).fill(9));
    assert.deepEqual((await s.run<MailOut>({ op: 'receive', timeout: 10_000 })).data, new Uint8Array(512).fill(9));

    for (const pid of [0, -1, 1.5, NaN, 99_999, s.pid + 4096]) {
      assert.throws(() => init.send(pid, 'x'), noSuchTask, `send to ${pid}`);
      assert.throws(() => init.trySend(pid, 'x'), noSuchTask, `trySend to ${pid}`);
      await assert.rejects(init.sendAsync(pid, 'x'), noSuchTask);
    }
    const c = await strat9(kernel);
    init.send(c.pid, 'alive');
    await c.exitWith(0);
    assert.throws(() => init.send(c.pid, 'x'), noSuchTask, 'an exited task');
    const d = await strat9(kernel);
    assert.equal(slotOfPid(d.pid), slotOfPid(c.pid), 'the new task reuses the slot');
    assert.throws(() => init.send(c.pid, 'x'), noSuchTask, 'the stale pid');
    assert.throws(() => init.send(c.pid, 'x', { wait: true, timeout: 1000 }), noSuchTask, 'a waiting send to a stale pid fails at once');
    assert.equal(await d.run({ op: 'tryReceive' }), undefined, 'nothing reached the new task');
    assert.equal(taskOf(kernel.snapshot(), d.pid)!.mailbox === undefined || mailboxOf(kernel, d.pid)!.depth === 0, true);
  });
});

test('send { wait: true } sleeps while the target is full and completes once it receives; nothing is lost or reordered', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task.mailbox;
    const target = await strat9(kernel);
    const sender = await strat9(kernel);
    for (let i = 0; i < MAILBOX_CAPACITY; i++) init.send(target.pid, `from init #${i}`);
    const mailbox = mailboxOf(kernel, target.pid)!;
    const pending = sender.start({ op: 'send', pid: target.pid, data: 'waited', wait: true });
    await waitBlockedOn(kernel, sender.pid, 'mailbox', 'writable', mailbox.id);
    await tick(20);
    assert.equal(pending.settled, false, 'still waiting for room');
    assert.equal(mailboxOf(kernel, target.pid)!.depth, MAILBOX_CAPACITY);
    const first = await target.run<MailOut>({ op: 'tryReceive' });
    assert.equal(new TextDecoder().decode(first.data), 'from init #0');
    await within(pending, 10_000, 'the waiting send');
    assert.equal(mailboxOf(kernel, target.pid)!.depth, MAILBOX_CAPACITY, 'it filled the freed slot');
    const rest = await target.run<MailOut[]>({ op: 'drain' });
    assert.deepEqual(
      rest.map((m) => [m.from, new TextDecoder().decode(m.data)]),
      [...Array.from({ length: MAILBOX_CAPACITY - 1 }, (_, i) => [1, `from init #${i + 1}`]), [sender.pid, 'waited']],
    );
  });
});

test('three tasks sending with { wait: true } (sync and async) to one slow receiver: every send completes, nothing lost, torn or reordered', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const consumer = await strat9(kernel);
    const producers = [await strat9(kernel), await R2Agent.spawn(kernel), await strat9(kernel)];
    const count = 300;
    const report = consumer.start<ReceiveManyReport>({ op: 'receiveMany', count: count * 3, senders: producers.map((p) => p.pid) }, 60_000);
    const sent = producers.map((p, stream) => p.start<number>({ op: 'sendMany', pid: consumer.pid, stream, count, async: stream === 2 }, 60_000));
    assert.deepEqual(await within(Promise.all(sent), 50_000, 'the senders'), [count, count, count]);
    const r = await within(report, 50_000, 'the receiver');
    assert.deepEqual(r, { received: count * 3, torn: 0, order: 0, wrongSender: 0, perStream: [count, count, count] });
    assert.equal(mailboxOf(kernel, consumer.pid)!.depth, 0);
  });
});

test('a waiting send gives up: send { timeout } throws TimeoutError, sendAsync with timeout too, sendAsync aborted throws InterruptedError; nothing was sent', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task.mailbox;
    const target = await strat9(kernel);
    const sender = await strat9(kernel);
    for (let i = 0; i < MAILBOX_CAPACITY; i++) init.send(target.pid, `#${i}`);
    await assert.rejects(sender.run({ op: 'send', pid: target.pid, data: 'late', timeout: 50 }), remote('TimeoutError', E.ETIMEDOUT, 'ETIMEDOUT'));
    await assert.rejects(sender.run({ op: 'sendAsync', pid: target.pid, data: 'late', timeout: 50 }), remote('TimeoutError', E.ETIMEDOUT, 'ETIMEDOUT'));
    assert.throws(() => init.send(target.pid, 'late', { timeout: 30 }), timedOut, 'init, sync');
    await assert.rejects(init.sendAsync(target.pid, 'late', { timeout: 30 }), timedOut, 'init, async');
    const id = mailboxOf(kernel, target.pid)!.id;
    const aborted = sender.start({ op: 'sendAsync', pid: target.pid, data: 'late', key: 'a' });
    await waitBlockedOn(kernel, sender.pid, 'mailbox', 'writable', id);
    await sender.run({ op: 'abort', key: 'a' });
    await assert.rejects(within(aborted, 10_000, 'the aborted send'), remote('InterruptedError', E.EINTR, 'EINTR', true));
    const controller = new AbortController();
    const initSend = init.sendAsync(target.pid, 'late', { signal: controller.signal });
    await tick(20);
    const reason = new Error('stop');
    controller.abort(reason);
    await assert.rejects(initSend, kipcError(InterruptedError, E.EINTR, 'EINTR', reason));
    const all = await target.run<MailOut[]>({ op: 'drain' });
    assert.deepEqual(
      all.map((m) => new TextDecoder().decode(m.data)),
      Array.from({ length: MAILBOX_CAPACITY }, (_, i) => `#${i}`),
      'none of the abandoned sends went through',
    );
    assert.equal(taskOf(kernel.snapshot(), sender.pid)!.state, 'running');
  });
});

test('receive waits for mail from another task; receive/receiveAsync with a timeout throw TimeoutError; an aborted receiveAsync throws InterruptedError and takes nothing', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task.mailbox;
    const s = await strat9(kernel);
    init.tryReceive(); // init's mailbox exists from here on
    const pending = s.start<MailOut>({ op: 'receive' });
    await waitReceiving(kernel, s.pid);
    assert.equal(pending.settled, false);
    init.send(s.pid, 'wake up');
    assert.deepEqual(await within(pending, 10_000, 'the receive'), { from: 1, kind: 'data', data: new TextEncoder().encode('wake up') });

    await assert.rejects(s.run({ op: 'receive', timeout: 40 }), remote('TimeoutError', E.ETIMEDOUT, 'ETIMEDOUT'));
    await assert.rejects(s.run({ op: 'receiveAsync', timeout: 40 }), remote('TimeoutError', E.ETIMEDOUT, 'ETIMEDOUT'));
    assert.throws(() => init.receive({ timeout: 30 }), timedOut);
    await assert.rejects(init.receiveAsync({ timeout: 30 }), timedOut);

    const aborted = s.start({ op: 'receiveAsync', key: 'r' });
    await waitReceiving(kernel, s.pid);
    await s.run({ op: 'abort', key: 'r' });
    await assert.rejects(within(aborted, 10_000, 'the aborted receive'), remote('InterruptedError', E.EINTR, 'EINTR', true));
    const controller = new AbortController();
    const reason = new Error('enough');
    const initReceive = init.receiveAsync({ signal: controller.signal });
    await tick(20);
    controller.abort(reason);
    await assert.rejects(initReceive, kipcError(InterruptedError, E.EINTR, 'EINTR', reason));
    await assert.rejects(init.receiveAsync({ signal: AbortSignal.abort(reason) }), kipcError(InterruptedError, E.EINTR, 'EINTR', reason), 'already aborted');

    // The abandoned receives took nothing: mail sent now is there for the next one.
    await s.run({ op: 'send', pid: 1, data: 'after the aborts' });
    init.send(s.pid, 'for s');
    assert.equal(init.receive({ timeout: 10_000 }).text(), 'after the aborts');
    assert.equal(new TextDecoder().decode((await s.run<MailOut>({ op: 'receive', timeout: 10_000 })).data), 'for s');
    assert.equal(init.size, 0);
  });
});

test('two receiveAsync in flight in one task each get their own message, intact', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task.mailbox;
    const s = await strat9(kernel);
    const first = init.receiveAsync({ timeout: 10_000 });
    const second = init.receiveAsync({ timeout: 10_000 });
    await waitReceiving(kernel, 1);
    const a = seededPattern(1, 400);
    const b = seededPattern(2, 100);
    await s.run({ op: 'send', pid: 1, data: a });
    await s.run({ op: 'send', pid: 1, data: b });
    const got = await within(Promise.all([first, second]), 10_000, 'both receives');
    const datas = got.map((m) => m.data).sort((x, y) => y.length - x.length);
    assert.deepEqual(datas, [a, b]);
    assert.deepEqual(got.map((m) => m.from), [s.pid, s.pid]);
    // And in an agent: both async receives pending while it takes more commands.
    const p1 = s.start<MailOut>({ op: 'receiveAsync' });
    const p2 = s.start<MailOut>({ op: 'receiveAsync' });
    await waitReceiving(kernel, s.pid);
    init.send(s.pid, a);
    init.send(s.pid, b);
    const both = (await within(Promise.all([p1, p2]), 10_000, 'the agent\'s receives')).map((m) => m.data).sort((x, y) => y.length - x.length);
    assert.deepEqual(both, [a, b]);
  });
});

test('for await over task.mailbox yields every mail in order, waiting for late ones; break stops it without losing the next mail', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const s = await strat9(kernel);
    const r = await R2Agent.spawn(kernel);
    for (let i = 0; i < 3; i++) await s.run({ op: 'send', pid: 1, data: `early ${i}` });
    const got: string[] = [];
    const froms: number[] = [];
    const loop = (async () => {
      for await (const mail of kernel.task.mailbox) {
        got.push(mail.text());
        froms.push(mail.from);
        if (got.length === 6) break;
      }
    })();
    await waitFor(() => got.length === 3, 'the early mail');
    await waitReceiving(kernel, 1);
    await s.run({ op: 'send', pid: 1, data: 'late 0' });
    await r.write(0, 'late 1');
    assert.equal(await r.sys(SEND_DATA, 1, 0, 6), 0);
    await s.run({ op: 'send', pid: 1, data: 'late 2' });
    await within(loop, 10_000, 'the for-await loop');
    assert.deepEqual(got, ['early 0', 'early 1', 'early 2', 'late 0', 'late 1', 'late 2']);
    assert.deepEqual(froms, [s.pid, s.pid, s.pid, s.pid, r.pid, s.pid]);
    await s.run({ op: 'send', pid: 1, data: 'after the loop' });
    assert.equal(kernel.task.mailbox.size, 1);
    assert.equal(kernel.task.mailbox.tryReceive()!.text(), 'after the loop');
  });
});
