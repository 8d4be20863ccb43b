/**
 * The backend seam, shown with a second backend: the counting backend
 * (./counting-backend.ts) runs the whole ABI suite (test/abi/) in place of
 * the thread backend, in the creating thread, the supervisor and every task
 * thread, and the wait/wake protocol holds throughout: no sleeper that had
 * not announced itself, no bad word, sleeps that end and wakes that reach
 * them, on both the synchronous and the asynchronous path. First,
 * that its protocol check can fail: a thread that sleeps without
 * announcing itself is caught, one that announces is not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Kernel, registerBackend, threadBackend } from '../../src/index.js';
import { countingBackend, counts, type Counts } from './counting-backend.js';

const ABI_DIR = fileURLToPath(new URL('../abi/', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./fixtures/counting-preload.js', import.meta.url));

/** A thread that sleeps on word 0 for ever, raising word 1 first when it `announces`. */
function sleeper(buffer: unknown, announces: boolean): Worker {
  const code = `
    const { workerData } = require('node:worker_threads');
    const w = new Int32Array(workerData.buffer);
    if (workerData.announces) Atomics.add(w, 1, 1);
    for (;;) Atomics.wait(w, 0, 0);`;
  return new Worker(code, { eval: true, workerData: { buffer, announces } });
}

/** Calls wakeIfWaiting on word 0 (waiters in word 1) every millisecond until `done` or 10 s. */
async function probe(words: Int32Array, done: () => boolean): Promise<void> {
  const until = Date.now() + 10_000;
  while (!done() && Date.now() < until) {
    countingBackend.wakeIfWaiting(words, 0, 1, 1);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test('the counting backend catches a sleeper that did not announce itself, and only that one', { timeout: 30_000 }, async () => {
  const silent = countingBackend.allocate(8);
  const before = counts()!;
  const a = sleeper(silent.words.buffer, false);
  await probe(silent.words, () => counts()!.UNANNOUNCED > before.UNANNOUNCED);
  await a.terminate();
  assert.equal(counts()!.UNANNOUNCED - before.UNANNOUNCED, 1, 'the unannounced sleeper was found');

  const loud = countingBackend.allocate(8);
  const mid = counts()!;
  const b = sleeper(loud.words.buffer, true);
  await probe(loud.words, () => counts()!.WOKEN_BY_WAKES - mid.WOKEN_BY_WAKES >= 3);
  await b.terminate();
  const after = counts()!;
  assert.ok(after.WOKEN_BY_WAKES - mid.WOKEN_BY_WAKES >= 3, 'the announced sleeper was woken by the wakes');
  assert.equal(after.UNANNOUNCED, mid.UNANNOUNCED, 'an announced sleeper is no violation');
});

test('Kernel.create({ backend }) runs the supervisor and every task on that backend, imported in each thread from its module', { timeout: 30_000 }, async () => {
  const kernel = Kernel.create({ backend: countingBackend, maxTasks: 4 });
  try {
    const before = counts()!;
    const child = kernel.spawn(new URL('./fixtures/wait-and-wake.js', import.meta.url));
    assert.deepEqual(await child.exited, { code: 0 });
    const after = counts()!;
    assert.ok(after.OPENS - before.OPENS >= 1, 'the task mapped the kernel through the counting backend');
    assert.ok(after.WAITS - before.WAITS + after.ASYNC_WAITS - before.ASYNC_WAITS >= 1, 'its receive slept through it');
    assert.equal(after.UNANNOUNCED, before.UNANNOUNCED);
    assert.deepEqual(kernel.check(), []);
  } finally {
    await kernel.close();
  }
  assert.throws(() => Kernel.create({ backend: 'thread' as never }), TypeError);
});

test('a backend that the kernel\'s threads cannot find: the supervisor fails with a clear error, spawn then throws, nothing hangs', { timeout: 30_000 }, async () => {
  const unshipped = { ...countingBackend, name: 'counting-unshipped', module: undefined };
  const kernel = Kernel.create({ backend: unshipped, maxTasks: 4 });
  const failed = new Promise<Error>((resolve) => kernel.once('error', resolve));
  const early = kernel.spawn(new URL('./fixtures/wait-and-wake.js', import.meta.url));
  const error = await failed;
  assert.match(error.message, /memory backend 'counting-unshipped', which is not registered in this thread/);
  assert.equal((await early.exited).code, 1, 'a task spawned before the failure was known is settled');
  assert.throws(() => kernel.spawn(new URL('./fixtures/wait-and-wake.js', import.meta.url)), /no task can be started/);
  assert.equal(kernel.task.syscall(1, 0) < 0, true, 'init still runs its syscalls');
});

test('careless backends: a second backend under a taken name, or something that is not a backend, is refused and changes nothing', { timeout: 30_000 }, async () => {
  assert.throws(() => registerBackend({ ...threadBackend }), /a different backend is registered as 'thread' already/);
  assert.doesNotThrow(() => registerBackend(threadBackend), 'the same backend again is no conflict');
  assert.throws(() => registerBackend({ name: 'half' } as never), /registerBackend: backend must be a Backend/);
  for (const backend of [{ name: 'x' }, { ...threadBackend, name: '' }, null, 'thread', 42]) {
    assert.throws(() => Kernel.create({ backend: backend as never, maxTasks: 2 }), TypeError);
  }
  const kernel = Kernel.create({ maxTasks: 2 });
  try {
    assert.ok(kernel.buffer instanceof SharedArrayBuffer, 'the default is still the thread backend');
    assert.deepEqual(kernel.check(), []);
  } finally {
    await kernel.close();
  }
});

test('the whole ABI suite passes on the counting backend, and the wait/wake protocol holds', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kipc-counting-'));
  const report = join(dir, 'report.jsonl');
  try {
    const files = readdirSync(ABI_DIR).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(ABI_DIR, f));
    assert.ok(files.length >= 10, `the ABI suite is there (${files.length} files)`);
    // A test runner of its own (NODE_TEST_CONTEXT would make it report to this one), every thread preloading the backend.
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${PRELOAD}`, KIPC_COUNTING_REPORT: report };
    delete env['NODE_TEST_CONTEXT'];
    const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=240000', '--test-reporter=dot', ...files], {
      env,
      encoding: 'utf8',
      timeout: 540_000,
    });
    assert.equal(run.status, 0, `the ABI suite failed on the counting backend:\n${run.stdout}\n${run.stderr}`);
    const lines = readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { counts: Counts });
    const total = Object.fromEntries(Object.keys(lines[0]!.counts).map((k) => [k, lines.reduce((s, l) => s + l.counts[k as keyof Counts], 0)])) as Counts;
    const processes = lines.filter((l) => l.counts.OPENS > 0).length;
    console.log(`counting backend over ${files.length} ABI files, ${processes} processes with tasks: ${JSON.stringify(total)}`);
    assert.ok(processes >= files.length - 2, 'nearly every ABI file ran tasks on the counting backend');
    assert.ok(total.OPENS >= 50, 'the supervisors and task threads mapped the kernel through it');
    assert.equal(total.UNANNOUNCED, 0, `a thread slept without announcing itself (word ${total.UNANNOUNCED_WORD})`);
    assert.equal(total.BAD_ARGUMENTS, 0, 'every wait and wake named a word of the region');
    assert.ok(total.WAITS > 0 && total.WAIT_WOKEN > 0, 'synchronous waits slept and were woken');
    assert.ok(total.ASYNC_WAITS > 0 && total.ASYNC_WOKEN > 0, 'asynchronous waits slept and were woken');
    assert.ok(total.WAKES + total.WAKE_IF_WAITING > 0 && total.WAKE_IF_WAITING_SKIPPED > 0, 'wakes went through the backend, most finding nobody to wake');
    assert.ok(total.WAITS_RETURNED <= total.WAITS && total.ASYNC_SETTLED <= total.ASYNC_WAITS);
    // (Woken waiters and the wakes' own tally are not compared: a task killed between its wake and its tally loses the tally.)
    assert.ok(total.WOKEN_BY_WAKES > 0 && total.WAIT_WOKEN + total.ASYNC_WOKEN > 0, 'wakes reached sleepers');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
