/**
 * Page IPC under load and across task deaths (docs/tasks.md, "Death
 * cleanup"; docs/objects/pages.md): 10,000 transfers (moves, shares and copies, accepted and
 * abandoned) between two pairs of tasks, then receivers killed with
 * deliveries pending and taken-but-undecided, bring the pool (frames,
 * delivery records, per-task counters) back to its baseline; a sender's
 * death cancels nothing it sent; a receiver killed while waiting in
 * PAGE_TAKE leaks nothing and is then no target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_BYTES, errno as E, sys as S, type Kernel, type KernelUsage } from '../../src/index.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { CTL, PgAgent, pagesOf, stressPlan, type StressOut } from '../api/fixtures/pages-agent-client.js';
import { pattern } from '../support/patterns.js';
import { remote } from '../support/agent.js';
import { taskOf } from '../support/blocked.js';

const T = { timeout: 120_000 };
const TYPE = 5;

/** Usage without the task count (tasks die in these tests). */
function pool(u: KernelUsage): Omit<KernelUsage, 'tasks'> {
  const { tasks: _tasks, ...rest } = u;
  return rest;
}

async function settledTo(kernel: Kernel, base: KernelUsage, what: string): Promise<void> {
  try {
    await waitFor(() => kernel.usage().deliveries === 0 && kernel.usage().pages === base.pages, what, 15_000);
  } finally {
    assert.deepEqual(pool(kernel.usage()), pool(base), what);
  }
}

/** Blocks `agent`'s thread (it takes no deliveries) until released. */
async function hold(agent: PgAgent): Promise<{ release: () => Promise<number> }> {
  const held = agent.start<number>({ op: 'hold' });
  await waitFor(() => Atomics.load(agent.ctl, CTL.waiting) === 1, `agent ${agent.pid} to hold`);
  return {
    release: async () => {
      Atomics.store(agent.ctl, CTL.go, 1);
      Atomics.notify(agent.ctl, CTL.go);
      return within(held, 10_000, 'the held agent to go on');
    },
  };
}

test('10,000 transfers (move / share / duplicate, accepted and abandoned) between two pairs, then receivers killed with deliveries pending and taken: pool usage back to its baseline', T, async (t) => {
  await withKernel(async (kernel) => {
    const PER_PAIR = 5_000;
    const s1 = await PgAgent.spawn(kernel);
    const s2 = await PgAgent.spawn(kernel);
    const r1 = await PgAgent.spawn(kernel);
    const r2 = await PgAgent.spawn(kernel);
    await r1.handleType(TYPE, 'count');
    await r2.handleType(TYPE, 'count');
    await r2.handleType(TYPE + 1, 'never');
    const base = kernel.usage();
    const started = performance.now();
    const [o1, o2] = await Promise.all([
      s1.run<StressOut>({ op: 'stress', target: r1.pid, type: TYPE, count: PER_PAIR }, 100_000),
      s2.run<StressOut>({ op: 'stress', target: r2.pid, type: TYPE, count: PER_PAIR }, 100_000),
    ]);
    assert.deepEqual([o1.sent, o2.sent], [PER_PAIR, PER_PAIR]);
    const done = (r: PgAgent): number => Atomics.load(r.ctl, CTL.accepted) + Atomics.load(r.ctl, CTL.abandoned);
    await waitFor(() => done(r1) === PER_PAIR && done(r2) === PER_PAIR, 'every transfer decided', 30_000);
    t.diagnostic(`${2 * PER_PAIR} transfers in ${Math.round(performance.now() - started)} ms; sends retried after EAGAIN/ENOMEM: ${o1.retries + o2.retries}`);
    for (const r of [r1, r2]) {
      assert.equal(Atomics.load(r.ctl, CTL.bad), 0, `receiver ${r.pid}: every page arrived whole and in order`);
      assert.equal(Atomics.load(r.ctl, CTL.accepted), PER_PAIR / 2);
      assert.equal(Atomics.load(r.ctl, CTL.abandoned), PER_PAIR / 2);
    }
    await settledTo(kernel, base, 'after 10,000 transfers');
    for (const x of [s1, s2, r1, r2]) assert.deepEqual(pagesOf(kernel, x.pid), { mapped: 0, inFlight: 0 }, `task ${x.pid}`);

    // r1 stops taking: 40 transfers pile up pending. r2's handler for TYPE + 1 never decides: the first of 20 is taken
    // (mapped, undecided) and, handlers running one at a time, the other 19 stay pending.
    await hold(r1);
    const pending = await s1.run<StressOut>({ op: 'stress', target: r1.pid, type: TYPE, count: 40 });
    assert.equal(pending.sent, 40);
    const taken = await s2.run<StressOut>({ op: 'stress', target: r2.pid, type: TYPE + 1, count: 20 });
    assert.equal(taken.sent, 20);
    await r2.waitDeliveries(1);
    const pagesOfPlan = (n: number): number => Array.from({ length: n }, (_, i) => stressPlan(i).npages).reduce((x, y) => x + y, 0);
    assert.equal(kernel.usage().deliveries, 60);
    assert.deepEqual(pagesOf(kernel, s1.pid), { mapped: 0, inFlight: pagesOfPlan(40) });
    assert.deepEqual(pagesOf(kernel, s2.pid), { mapped: 0, inFlight: pagesOfPlan(20) });
    assert.deepEqual(pagesOf(kernel, r1.pid), { mapped: 0, inFlight: 0 }, 'pending: not mapped');
    assert.deepEqual(pagesOf(kernel, r2.pid), { mapped: stressPlan(0).npages, inFlight: 0 }, 'the taken one is mapped');
    assert.equal(kernel.usage().pages, base.pages + pagesOfPlan(40) + pagesOfPlan(20));

    await within(r1.terminate(), 10_000, 'r1 to be terminated');
    await within(r2.terminate(), 10_000, 'r2 to be terminated');
    await settledTo(kernel, base, 'after the receivers died');
    assert.deepEqual(pagesOf(kernel, s1.pid), { mapped: 0, inFlight: 0 }, "s1's charge is lifted");
    assert.deepEqual(pagesOf(kernel, s2.pid), { mapped: 0, inFlight: 0 }, "s2's charge is lifted");
    const a = await s1.alloc(1);
    await assert.rejects(s1.send(r1.pid, TYPE, a, 1), remote('NoSuchTaskError', 3, 'ESRCH'), 'a dead receiver is no target');
    assert.deepEqual(await s1.read(a, 1), Uint8Array.of(0));
    await s1.free(a, 1);
    await settledTo(kernel, base, 'at the end');
  });
});

test('a receiver that dies with deliveries pending (moved, shared, copied, some broadcast) frees their frames; shared frames live on with the sender', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    const other = await PgAgent.spawn(kernel);
    await r.handleType(TYPE);
    await other.handleType(TYPE);
    const base = kernel.usage();
    await hold(r);
    const content = pattern(1, 4 * PAGE_BYTES);
    const a = await s.alloc(4);
    await s.write(a, content);
    assert.equal((await s.send(r.pid, TYPE, a, 1)).delivered, 1, 'move');
    assert.equal((await s.send(r.pid, TYPE, a + PAGE_BYTES, 1, { keep: true, receiverWrites: true })).delivered, 1, 'share');
    assert.equal((await s.send(r.pid, TYPE, a + 2 * PAGE_BYTES, 1, { duplicate: true })).delivered, 1, 'copy');
    assert.equal((await s.send('others', TYPE, a + 3 * PAGE_BYTES, 1, { keep: true })).delivered, 2, 'shared with r and other');
    await other.waitDeliveries(1);
    await waitFor(() => kernel.usage().deliveries === 4, "other's delivery to be accepted; r's four pending");
    assert.deepEqual(pagesOf(kernel, s.pid), { mapped: 3, inFlight: 4 });
    assert.equal(kernel.usage().pages, base.pages + 5, 'four frames, one copy');
    await within(r.terminate(), 10_000, 'r to be terminated');
    await waitFor(() => kernel.usage().deliveries === 0, "r's deliveries to be released");
    assert.deepEqual(pagesOf(kernel, s.pid), { mapped: 3, inFlight: 0 });
    assert.equal(kernel.usage().pages, base.pages + 3, 'the moved frame and the copy are freed; the shared ones stay with the sender');
    assert.deepEqual(await s.read(a + PAGE_BYTES, 3 * PAGE_BYTES), content.slice(PAGE_BYTES), 'the sender\'s pages are intact');
    const d = other.deliveries[0]!;
    assert.deepEqual(await other.read(d.addr, PAGE_BYTES), content.slice(3 * PAGE_BYTES), 'the other broadcast receiver keeps its pages');
    await other.free(d.addr, 1);
    await s.free(a + PAGE_BYTES, 3);
    await settledTo(kernel, base, 'at the end');
  });
});

test("a sender's death does not cancel what it sent: the receiver gets every delivery (move, share, copy, broadcast) after the sender was terminated", T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    await r.handleType(TYPE);
    await s.handleType(TYPE + 1); // s is a live task with a handler for another type only
    const base = kernel.usage();
    const held = await hold(r);
    const content = pattern(2, 5 * PAGE_BYTES);
    const a = await s.alloc(5);
    await s.write(a, content);
    assert.equal((await s.send(r.pid, TYPE, a, 2, { receiverWrites: true })).delivered, 1, 'move');
    assert.equal((await s.send(r.pid, TYPE, a + 2 * PAGE_BYTES, 1, { keep: true, receiverWrites: true })).delivered, 1, 'share');
    assert.equal((await s.send(r.pid, TYPE, a + 3 * PAGE_BYTES, 1, { duplicate: true })).delivered, 1, 'copy');
    assert.equal((await s.send('all', TYPE, a + 4 * PAGE_BYTES, 1, { keep: true })).delivered, 1, 'broadcast: only r handles TYPE');
    assert.deepEqual(pagesOf(kernel, s.pid), { mapped: 3, inFlight: 5 });
    await within(s.terminate(), 10_000, 'the sender to be terminated');
    assert.notEqual(taskOf(kernel.snapshot(), s.pid)?.state, 'running');
    assert.equal(kernel.usage().deliveries, 4, 'still in flight');
    assert.equal(kernel.usage().pages, base.pages + 5, 'the frames live on in the deliveries (the copy\'s original went with the sender)');

    assert.equal(await held.release(), 0, 'no handler ran while r was held');
    const ds = await r.waitDeliveries(4);
    assert.deepEqual(
      ds.map((d) => [d.sender, d.npages, d.writable]),
      [
        [s.pid, 2, true],
        [s.pid, 1, true],
        [s.pid, 1, false],
        [s.pid, 1, false],
      ],
    );
    const slices = [content.slice(0, 2 * PAGE_BYTES), content.slice(2 * PAGE_BYTES, 3 * PAGE_BYTES), content.slice(3 * PAGE_BYTES, 4 * PAGE_BYTES), content.slice(4 * PAGE_BYTES)];
    for (const [i, d] of ds.entries()) assert.deepEqual(await r.read(d.addr, d.npages * PAGE_BYTES), slices[i], `delivery ${i}`);
    await r.write(ds[1]!.addr, Uint8Array.of(1, 2, 3));
    assert.deepEqual(await r.read(ds[1]!.addr, 3), Uint8Array.of(1, 2, 3), 'the shared page is writable and still works');
    await settledTo(kernel, { ...base, pages: base.pages + 5 }, 'everything accepted: five frames in r');
    for (const d of ds) await r.free(d.addr, d.npages);
    await settledTo(kernel, base, 'at the end');
    assert.deepEqual(pagesOf(kernel, r.pid), { mapped: 0, inFlight: 0 });
  });
});

test('a receiver killed while waiting in PAGE_TAKE (for ever) leaks nothing, and is no target afterwards', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, TYPE), 0);
    const base = kernel.usage();
    const taking = r.startSys(S.SYS_PAGE_TAKE, 0, -1);
    await waitFor(() => taskOf(kernel.snapshot(), r.pid)?.state === 'blocked', 'r to block in PAGE_TAKE');
    await within(r.terminate(), 10_000, 'r to be terminated');
    await assert.rejects(taking);
    await settledTo(kernel, base, 'after r died');
    const a = await s.alloc(1);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, a, 1, 0), -E.ESRCH);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 0, TYPE, a, 1, 2 << 3), 0, 'a broadcast finds no handler for the type');
    // A new task in r's slot does not inherit its handlers.
    const n = await PgAgent.spawn(kernel);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, n.pid, TYPE, a, 1, 0), -E.ENOENT);
    assert.equal(await n.sys(S.SYS_PAGE_REGISTER_HANDLER, TYPE), 0);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, n.pid, TYPE, a, 1, 0), 1);
    assert.equal(await n.sys(S.SYS_PAGE_TAKE, 0, 10_000_000_000), 1);
    assert.equal(await n.exitWith(0).then((e) => e.code), 0);
    await settledTo(kernel, base, 'after n exited with the page accepted-or-not');
    assert.deepEqual(pagesOf(kernel, s.pid), { mapped: 0, inFlight: 0 });
  });
});
