/**
 * task.keyboard, the typed face of the keyboard pipe (docs/objects/keyboard-pipe.md):
 * subscribe / read / state / unsubscribe (idempotent, and by dispose),
 * AlreadyExistsError, NoSpaceError for a 6th subscriber, NotFoundError when
 * not subscribed; next() that really sleeps until another thread delivers
 * scancodes, nextAsync with a timeout (TimeoutError) or an AbortSignal
 * (InterruptedError), the `max` option, a full ring's drop count, and every
 * subscriber getting every byte. Scancodes come from deliverScancodes (the
 * keyboard device's entry), called by init or by another task's thread.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { AlreadyExistsError, InterruptedError, KeyboardSubscription, NoSpaceError, NotFoundError, errno as E } from '../../src/index.js';
import { deliverScancodes } from '../../src/objects/keyboard-pipe/keyboard-pipe.js';
import { kipcError, timedOut } from '../support/errors.js';
import { tick, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { R2Agent } from './fixtures/rou2exos-agent-client.js';
import { remote } from '../support/agent.js';
import { taskOf, waitBlocked } from '../support/blocked.js';

const watchdog = startWatchdog(90_000, 'keyboard API tests');
after(() => watchdog.stop());

const T = { timeout: 60_000 };
const notFound = kipcError(NotFoundError, E.ENOENT, 'ENOENT');

test('subscribe, read in order, state, unsubscribe (idempotent, or by dispose); AlreadyExistsError twice; NotFoundError once unsubscribed', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const keyboard = kernel.task.keyboard;
    const ctx = kernel.task.ctx;
    const sub = keyboard.subscribe();
    assert.ok(sub instanceof KeyboardSubscription);
    assert.throws(() => keyboard.subscribe(), kipcError(AlreadyExistsError, E.EEXIST, 'EEXIST'));
    assert.deepEqual(sub.read(), new Uint8Array(0), 'nothing yet');
    assert.deepEqual(sub.state, { waiting: 0, dropped: 0 });
    deliverScancodes(ctx, Uint8Array.of(0x1e, 0x9e, 0x30, 0xb0, 0x2e, 0xae)); // "abc", make and break
    assert.deepEqual(sub.state, { waiting: 6, dropped: 0 });
    assert.deepEqual(sub.read(2), Uint8Array.of(0x1e, 0x9e));
    assert.deepEqual(sub.read(), Uint8Array.of(0x30, 0xb0, 0x2e, 0xae));
    assert.deepEqual(sub.read(), new Uint8Array(0));
    assert.deepEqual(kernel.snapshot().keyboard.subscribers, [{ pid: 1, waiting: 0, dropped: 0 }]);
    sub.unsubscribe();
    sub.unsubscribe();
    assert.deepEqual(kernel.snapshot().keyboard.subscribers, []);
    assert.throws(() => sub.read(), notFound);
    assert.throws(() => sub.next({ timeout: 1000 }), notFound, 'next when not subscribed fails at once');
    await assert.rejects(sub.nextAsync({ timeout: 1000 }), notFound);
    const again = keyboard.subscribe();
    deliverScancodes(ctx, Uint8Array.of(0x10));
    assert.deepEqual(again.read(), Uint8Array.of(0x10));
    again[Symbol.dispose]();
    assert.deepEqual(kernel.snapshot().keyboard.subscribers, [], 'dispose unsubscribes');
    assert.equal(deliverScancodes(ctx, Uint8Array.of(1)), 0);
  });
});

test('five subscribers each get every byte; a sixth gets NoSpaceError until one unsubscribes or dies', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const agents = await Promise.all(Array.from({ length: 5 }, (_, i) => R2Agent.spawn(kernel, { personality: i % 2 ? 'rou2exos' : 'strat9' })));
    const sub = kernel.task.keyboard.subscribe();
    for (const a of agents.slice(0, 4)) await a.run({ op: 'subscribe' });
    await assert.rejects(agents[4]!.run({ op: 'subscribe' }), remote('NoSpaceError', E.ENOSPC, 'ENOSPC'));
    const codes = Uint8Array.from({ length: 50 }, (_, i) => (i * 5 + 1) & 0xff);
    assert.equal(deliverScancodes(kernel.task.ctx, codes), 5);
    for (const a of agents.slice(0, 4)) assert.deepEqual(await a.run({ op: 'keyRead' }), codes);
    assert.deepEqual(sub.read(), codes);
    sub.unsubscribe();
    await agents[4]!.run({ op: 'subscribe' });
    assert.throws(() => kernel.task.keyboard.subscribe(), kipcError(NoSpaceError, E.ENOSPC, 'ENOSPC'));
    await agents[0]!.terminate();
    const back = kernel.task.keyboard.subscribe();
    assert.deepEqual(
      kernel.snapshot().keyboard.subscribers.map((s) => s.pid).sort((x, y) => x - y),
      [1, ...agents.slice(1).map((a) => a.pid)].sort((x, y) => x - y),
    );
    back.unsubscribe();
  });
});

test('next() sleeps until another thread delivers scancodes, then returns them; nextAsync in init wakes the same way', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const reader = await R2Agent.spawn(kernel);
    const keyboardThread = await R2Agent.spawn(kernel, { personality: 'strat9' });
    await reader.run({ op: 'subscribe' });
    const pending = reader.start<Uint8Array>({ op: 'next' });
    await waitBlocked(kernel, reader.pid);
    await tick(20);
    assert.equal(pending.settled, false, 'nothing delivered yet: still sleeping');
    assert.equal(taskOf(kernel.snapshot(), reader.pid)!.state, 'blocked');
    assert.equal(await keyboardThread.run({ op: 'deliverScancodes', bytes: Uint8Array.of(0x1c, 0x9c) }), 1);
    assert.deepEqual(await within(pending, 10_000, 'next()'), Uint8Array.of(0x1c, 0x9c));
    assert.equal(taskOf(kernel.snapshot(), reader.pid)!.state, 'running');

    // init waits without blocking its event loop; the delivery comes from another thread.
    const sub = kernel.task.keyboard.subscribe();
    const mine = sub.nextAsync({ timeout: 10_000 });
    await waitBlocked(kernel, 1);
    assert.equal(await keyboardThread.run({ op: 'deliverScancodes', bytes: Uint8Array.of(0x39, 0xb9, 0x01) }), 2);
    assert.deepEqual(await within(mine, 10_000, 'nextAsync()'), Uint8Array.of(0x39, 0xb9, 0x01));
    assert.deepEqual(await reader.run({ op: 'next', timeout: 10_000 }), Uint8Array.of(0x39, 0xb9, 0x01), 'bytes already waiting: at once');
    // A subscriber waiting asynchronously in an agent.
    const agentAsync = reader.start<Uint8Array>({ op: 'nextAsync' });
    await waitBlocked(kernel, reader.pid);
    deliverScancodes(kernel.task.ctx, Uint8Array.of(0x48));
    assert.deepEqual(await within(agentAsync, 10_000, 'the agent\'s nextAsync'), Uint8Array.of(0x48));
    assert.deepEqual(sub.read(), Uint8Array.of(0x48));
    sub.unsubscribe();
  });
});

test('next/nextAsync with max take only that many; timeouts throw TimeoutError, an abort InterruptedError; nothing is consumed by them', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const agent = await R2Agent.spawn(kernel);
    await agent.run({ op: 'subscribe' });
    const sub = kernel.task.keyboard.subscribe();
    await assert.rejects(sub.nextAsync({ timeout: 30 }), timedOut);
    assert.throws(() => sub.next({ timeout: 30 }), timedOut);
    await assert.rejects(agent.run({ op: 'next', timeout: 40 }), remote('TimeoutError', E.ETIMEDOUT, 'ETIMEDOUT'));
    await assert.rejects(agent.run({ op: 'nextAsync', timeout: 40 }), remote('TimeoutError', E.ETIMEDOUT, 'ETIMEDOUT'));

    const controller = new AbortController();
    const reason = new Error('stop reading');
    const aborted = sub.nextAsync({ signal: controller.signal });
    await tick(20);
    controller.abort(reason);
    await assert.rejects(aborted, kipcError(InterruptedError, E.EINTR, 'EINTR', reason));
    const agentAborted = agent.start({ op: 'nextAsync', key: 'k' });
    await waitBlocked(kernel, agent.pid);
    await agent.run({ op: 'abort', key: 'k' });
    await assert.rejects(within(agentAborted, 10_000, 'the aborted nextAsync'), remote('InterruptedError', E.EINTR, 'EINTR', true));

    const codes = Uint8Array.of(1, 2, 3, 4, 5);
    deliverScancodes(kernel.task.ctx, codes);
    assert.deepEqual(sub.next({ max: 2 }), Uint8Array.of(1, 2));
    assert.deepEqual(await sub.nextAsync({ max: 1 }), Uint8Array.of(3));
    assert.deepEqual(sub.state, { waiting: 2, dropped: 0 });
    assert.deepEqual(sub.next(), Uint8Array.of(4, 5));
    assert.deepEqual(await agent.run({ op: 'next', max: 3 }), Uint8Array.of(1, 2, 3), 'the abandoned waits took nothing');
    assert.deepEqual(await agent.run({ op: 'keyRead' }), Uint8Array.of(4, 5));
    sub.unsubscribe();
  });
});

test('a full ring drops new bytes and counts them (state.dropped, snapshot); the first 256 are intact', T, async () => {
  await withGuardedKernel((kernel) => {
    const sub = kernel.task.keyboard.subscribe();
    const codes = Uint8Array.from({ length: 400 }, (_, i) => (i * 13 + 7) & 0xff);
    deliverScancodes(kernel.task.ctx, codes.subarray(0, 250));
    deliverScancodes(kernel.task.ctx, codes.subarray(250));
    assert.deepEqual(sub.state, { waiting: 256, dropped: 144 });
    assert.deepEqual(kernel.snapshot().keyboard.subscribers, [{ pid: 1, waiting: 256, dropped: 144 }]);
    assert.deepEqual(sub.read(), codes.subarray(0, 256));
    deliverScancodes(kernel.task.ctx, Uint8Array.of(9));
    assert.deepEqual(sub.read(), Uint8Array.of(9));
    assert.deepEqual(sub.state, { waiting: 0, dropped: 144 });
    sub.unsubscribe();
    const fresh = kernel.task.keyboard.subscribe();
    assert.deepEqual(fresh.state, { waiting: 0, dropped: 0 }, 'a new subscription starts with no drops');
    fresh.unsubscribe();
  });
});

test('unsubscribing ends a pending nextAsync of the same task at once with NotFoundError, as closing a port ends a pending receive', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const sub = kernel.task.keyboard.subscribe();
    const pending = sub.nextAsync(); // no timeout: only the unsubscribe can end it
    let outcome: unknown = 'pending';
    pending.then(
      (v) => (outcome = v),
      (e: unknown) => (outcome = e),
    );
    await waitBlocked(kernel, 1);
    sub.unsubscribe();
    assert.deepEqual(kernel.snapshot().keyboard.subscribers, []);
    // Generous: a wake-up takes microseconds; the point is that it comes without new scancodes.
    await within(pending.catch(() => {}), 5_000, 'the pending nextAsync after unsubscribe').catch(() => {});
    assert.notEqual(outcome, 'pending', 'the nextAsync still sleeps on a subscription that no longer exists');
    assert.ok(notFound(outcome));

    const agent = await R2Agent.spawn(kernel);
    await agent.run({ op: 'subscribe' });
    const agentPending = agent.start({ op: 'nextAsync' });
    await waitBlocked(kernel, agent.pid);
    await agent.run({ op: 'unsubscribe' });
    await assert.rejects(within(agentPending, 5_000, 'the agent\'s pending nextAsync after unsubscribe'), remote('NotFoundError', E.ENOENT, 'ENOENT'));
  });
});
