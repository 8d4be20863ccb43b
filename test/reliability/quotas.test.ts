/**
 * Per-task quotas and consent for grants (docs/quotas.md): one task alone
 * can exhaust only its own budget of each kernel table — handles pushed
 * into another task, objects (also those only handles in flight keep
 * alive), message slots, names, calls in flight, pool pages, page
 * deliveries — and gets a QuotaExceededError (EDQUOT) naming the quota,
 * while another task's same operation still works. Quotas set at spawn are
 * honoured, lower and higher than the defaults; charges come back when the
 * hog closes what it made and when it is killed; kernel.check() (run by
 * withKernel) verifies every task's charges against what it holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Kernel, type KernelUsage, Message, OutOfMemoryError } from '../../src/index.js';
import { kipcError } from '../support/errors.js';
import { waitFor } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { type Exhausted, QUOTA_PAGE_TYPE, QuotaAgent, type Resource } from './fixtures/quota-hog-client.js';
import { taskInfo } from '../support/blocked.js';

const T = { timeout: 120_000 };
const EDQUOT = 122;

/** Small kernel-wide tables: a spawned task's default quota is half of each. */
const SMALL = { maxObjects: 64, messageSlots: 256, namespaceEntries: 16, maxCalls: 32, pages: 40, deliveries: 16 };

/** The hog stopped after `made` with a QuotaExceededError naming `quota` of `pid` with `limit`. */
function assertRefused(got: Exhausted, made: number, quota: string, pid: number, limit: number): void {
  assert.equal(got.made, made, `made ${got.made}, expected ${made} before the ${quota} quota: ${JSON.stringify(got.error)}`);
  const e = got.error;
  assert.ok(e, 'the hog was stopped by an error');
  assert.equal(e.name, 'QuotaExceededError', JSON.stringify(e));
  assert.equal(e.errno, EDQUOT);
  assert.equal(e.code, 'EDQUOT');
  assert.equal(e.quota, quota);
  assert.equal(e.quotaPid, pid);
  assert.equal(e.limit, limit);
  assert.match(e.message, new RegExp(quota === 'acceptGrants' ? 'refuses handle grants' : `'${quota}'|reserve`));
}

/** Init's ordinary operations: a port bound and connected to, a semaphore, a ring, a call answered. */
async function initStillWorks(kernel: Kernel, path: string): Promise<void> {
  const task = kernel.task;
  const port = task.createPort();
  port.bind(path);
  const client = task.connect(path);
  const semaphore = task.createSemaphore(1);
  const ring = task.createRing(4096);
  const call = port.callAsync(new Message());
  task.reply(port.receive());
  await call;
  for (const h of [ring, semaphore, client, port]) h.close();
}

function tablesOf(u: KernelUsage): Omit<KernelUsage, 'tasks'> {
  const { tasks: _tasks, ...tables } = u;
  return tables;
}

/**
 * One DoS case: a hog exhausts `resource` and is refused by its quota; init
 * and another task still do their ordinary operations; the hog's charges
 * are 0 again once it releases everything; a second round of hogging is
 * refused the same way, and killing the hog gives every table back.
 */
async function dosCase(kernel: Kernel, resource: Resource, made: number, quota: string, limit: number, options: { capacity?: number } = {}): Promise<void> {
  const baseline = tablesOf(kernel.usage());
  const victim = await QuotaAgent.spawn(kernel);
  const hog = await QuotaAgent.spawn(kernel);
  const before = await hog.quotas();
  assertRefused(await hog.exhaust(resource, options), made, quota, hog.pid, limit);
  await initStillWorks(kernel, `/victim/${resource}/init`);
  await victim.victim(`/victim/${resource}/agent`);
  await hog.release();
  // A caller keeps the slot of its last call for its next one (charged while kept).
  const after = (await hog.quotas()).used;
  assert.ok(after.calls - before.used.calls <= 1, `calls charged after the close: ${after.calls}`);
  assert.deepEqual({ ...after, calls: 0 }, { ...before.used, calls: 0 }, 'every charge is credited back after the close');
  assertRefused(await hog.exhaust(resource, options), made, quota, hog.pid, limit);
  await hog.terminate();
  await victim.exitWith(0);
  await waitFor(() => JSON.stringify(tablesOf(kernel.usage())) === JSON.stringify(baseline), `the tables to return to ${JSON.stringify(baseline)} after the hog is killed`);
}

test('objects: a hog creating semaphores stops at its objects quota; others still create', T, async () => {
  await withKernel((kernel) => dosCase(kernel, 'semaphores', 32, 'objects', 32), SMALL);
});

test('objects kept alive only by handles in flight are still charged to their creator', T, async () => {
  // One object is the port carrying the handles.
  await withKernel((kernel) => dosCase(kernel, 'objectsInFlight', 31, 'objects', 32, { capacity: 40 }), SMALL);
});

test('message slots: a hog creating ports stops at its message slots quota (capacity + 1 each); others still create ports', T, async () => {
  await withKernel((kernel) => dosCase(kernel, 'ports', 4, 'messageSlots', 128, { capacity: 31 }), SMALL);
});

test('names: a hog binding names stops at its names quota; others still bind and connect', T, async () => {
  await withKernel((kernel) => dosCase(kernel, 'names', 8, 'names', 8), SMALL);
});

test('calls: a hog with calls nobody answers stops at its calls quota; others still call', T, async () => {
  await withKernel((kernel) => dosCase(kernel, 'calls', 16, 'calls', 16), SMALL);
});

test('pages: a hog creating rings stops at its pages quota; others still create rings', T, async () => {
  await withKernel((kernel) => dosCase(kernel, 'rings', 20, 'pages', 20), SMALL);
});

test('deliveries: a hog sending pages nobody takes yet stops at its deliveries quota; others still send', T, async () => {
  await withKernel(async (kernel) => {
    const sink = await QuotaAgent.spawn(kernel);
    const hog = await QuotaAgent.spawn(kernel);
    await sink.handlePages();
    const held = sink.hold();
    // Past the deliveries quota a send is EAGAIN, as past the in-flight page quota (docs/objects/pages.md); the error names it.
    const got = await hog.exhaust('deliveries', { pid: sink.pid });
    assert.equal(got.made, 8);
    assert.equal(got.error?.name, 'WouldBlockError');
    assert.equal(got.error?.errno, 11);
    assert.match(got.error!.message, new RegExp(`quota 'deliveries' of task ${hog.pid} is spent \\(limit 8\\)`));
    assert.equal((await hog.quotas()).used.deliveries, 8);
    // Init's send finds a delivery record: the hog took only its half.
    const addr = kernel.task.pages.alloc(1);
    assert.equal(kernel.task.pages.send(sink.pid, QUOTA_PAGE_TYPE, addr, 1).delivered, 1);
    assert.equal(kernel.task.quotas().used.deliveries, 1);
    sink.letGo();
    await held;
    await waitFor(() => kernel.usage().deliveries === 0, 'the sink to take every delivery');
    assert.equal((await hog.quotas()).used.deliveries, 0, 'the hog is credited as its deliveries are taken');
    assert.equal(kernel.task.quotas().used.deliveries, 0);
    await hog.terminate();
    await sink.exitWith(0);
  }, SMALL);
});

test('grants into init stop at its received-handles budget; init still creates ports, connects and creates semaphores', T, async () => {
  await withKernel(async (kernel) => {
    const hog = await QuotaAgent.spawn(kernel);
    const budget = kernel.task.quotas().limits.receivedHandles;
    assert.equal(budget, 128, 'half of a table of 256');
    assertRefused(await hog.exhaust('grants', { pid: 1 }), budget, 'receivedHandles', 1, budget);
    assert.equal(kernel.task.quotas().used.receivedHandles, budget);
    await initStillWorks(kernel, '/victim/grants/init');
    // The hog's revoke takes its grants back out of init, which is credited.
    await hog.release();
    assert.equal(kernel.task.quotas().used.receivedHandles, 0);
    assertRefused(await hog.exhaust('grants', { pid: 1 }), budget, 'receivedHandles', 1, budget);
    await hog.terminate();
    // The port died with the hog; init closes what it was granted.
    const granted = taskInfo(kernel, 1)!.handles;
    assert.ok(granted >= budget);
  });
});

test('grants into another task stop at its budget; a refusing task gets no grant at all, and accepts again when it says so', T, async () => {
  await withKernel(async (kernel) => {
    const hog = await QuotaAgent.spawn(kernel);
    const victim = await QuotaAgent.spawn(kernel);
    assertRefused(await hog.exhaust('grants', { pid: victim.pid }), 128, 'receivedHandles', victim.pid, 128);
    await victim.victim('/victim/grants/agent');
    await hog.release();
    assert.equal((await victim.quotas()).used.receivedHandles, 0);

    const refuser = await QuotaAgent.spawn(kernel, { acceptGrants: false });
    const handlesBefore = (await refuser.quotas()).used.handles;
    assert.equal((await refuser.quotas()).acceptGrants, false);
    assertRefused(await hog.exhaust('grants', { pid: refuser.pid }), 0, 'acceptGrants', refuser.pid, 0);
    assert.equal((await refuser.quotas()).used.handles, handlesBefore, 'nothing landed in its table');
    await refuser.refuseGrants(false);
    assert.equal((await hog.exhaust('grants', { pid: refuser.pid, max: 3 })).made, 3);
    await hog.release();

    kernel.task.refuseGrants(true);
    assertRefused(await hog.exhaust('grants', { pid: 1 }), 0, 'acceptGrants', 1, 0);
    kernel.task.refuseGrants(false);
    assert.throws(() => kernel.task.refuseGrants('yes' as unknown as boolean), TypeError);
    await hog.release();
    for (const a of [hog, victim, refuser]) await a.exitWith(0);
  });
});

test('a grant never takes the receiver\'s last free slots (the reserve), even within its budget', T, async () => {
  await withKernel(
    async (kernel) => {
      const hog = await QuotaAgent.spawn(kernel);
      const victim = await QuotaAgent.spawn(kernel, { quotas: { receivedHandles: 64 } });
      const own = (await victim.quotas()).used.handles;
      // A table of 64 keeps a reserve of 64 / 16 = 4 free slots.
      assertRefused(await hog.exhaust('grants', { pid: victim.pid }), 64 - own - 4, 'grantReserve', victim.pid, 4);
      await victim.victim('/victim/reserve'); // four handles at once
      await hog.terminate();
      await victim.exitWith(0);
    },
    { maxHandles: 64 },
  );
});

test('quotas set at spawn are honoured, lower and higher than the defaults, and are validated before anything is spawned', T, async () => {
  await withKernel(async (kernel) => {
    const low = await QuotaAgent.spawn(kernel, { quotas: { objects: 3 } });
    assertRefused(await low.exhaust('semaphores'), 3, 'objects', low.pid, 3);
    const high = await QuotaAgent.spawn(kernel, { quotas: { objects: 60 } });
    assert.equal((await high.quotas()).limits.objects, 60);
    assertRefused(await high.exhaust('semaphores'), 60, 'objects', high.pid, 60);
    await high.terminate();
    const fewHandles = await QuotaAgent.spawn(kernel, { quotas: { handles: 5 } });
    const own = (await fewHandles.quotas()).used.handles;
    assertRefused(await fewHandles.exhaust('semaphores'), 5 - own, 'handles', fewHandles.pid, 5);
    assert.equal((await fewHandles.quotas()).limits.receivedHandles, 5, 'the received budget follows a lower handles quota');
    const defaults = (await low.quotas()).limits;
    assert.deepEqual(defaults, { handles: 256, receivedHandles: 128, objects: 3, messageSlots: 128, pages: 20, names: 8, calls: 16, deliveries: 8 });

    const tasks = kernel.usage().tasks;
    const spawn = (options: object) => () => kernel.spawn(new URL('data:text/javascript,'), options);
    assert.throws(spawn({ quotas: { objects: -1 } }), /Kernel\.spawn: quota 'objects' must be a non-negative integer, got -1/);
    assert.throws(spawn({ quotas: { objects: 1.5 } }), RangeError);
    assert.throws(spawn({ quotas: { bogus: 1 } }), /unknown quota 'bogus'/);
    assert.throws(spawn({ quotas: { handles: 257 } }), /at most the handle table \(256\)/);
    assert.throws(spawn({ quotas: { handles: 10, receivedHandles: 11 } }), /'receivedHandles' must be at most quota 'handles'/);
    assert.throws(spawn({ quotas: 5 }), TypeError);
    assert.throws(spawn({ acceptGrants: 'no' }), /acceptGrants must be a boolean/);
    assert.equal(kernel.usage().tasks, tasks, 'nothing spawned');
    for (const a of [low, fewHandles]) await a.terminate();
  }, SMALL);
});

test('the typed error names the quota; init\'s own tables are whole, only its received handles are budgeted', T, async () => {
  await withKernel((kernel) => {
    const q = kernel.task.quotas();
    assert.deepEqual(q.limits, { handles: 256, receivedHandles: 128, objects: 64, messageSlots: 256, pages: 40, names: 16, calls: 32, deliveries: 16 });
    assert.equal(q.acceptGrants, true);
    assert.deepEqual(kernel.snapshot().tasks[0]!.quotas, q);
    // Init can fill a table alone: its error is the table's, not a quota.
    const made = [];
    for (let i = 0; i < 64; i++) made.push(kernel.task.createSemaphore());
    assert.throws(() => kernel.task.createSemaphore(), kipcError(OutOfMemoryError, 12, 'ENOMEM'));
    for (const s of made) s.close();
    assert.equal(kernel.task.quotas().used.objects, 0);
  }, SMALL);
});
