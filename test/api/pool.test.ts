/**
 * Pool (issue 17, point 5) with real worker tasks, threads and processes:
 * every request answered exactly once while a worker dies mid-task (it is
 * replaced and the request runs again), errors crossing, abort reaching the
 * function, a bounded queue holding run() back, growth to max and shrinking
 * after idleTimeout, stats, and close.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokenPipeError, InterruptedError, Pool, RemoteError } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { startWatchdog } from '../support/kernel.js';

const watchdog = startWatchdog(240_000, 'pool tests');
after(() => watchdog.stop());
const T = { timeout: 90_000 };
const WORK = fixture('api/fixtures/pool-work');
const scratch = mkdtempSync(join(tmpdir(), 'kipc-pool-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

for (const host of ['threads', 'processes'] as const) {
  test(`${host}: 200 requests, one of which kills its worker mid-task: every request is answered exactly once with its own result; the worker is replaced`, T, async () => {
    const pool = new Pool<{ n?: number; crashOnce?: string; sleep?: number }, number>(WORK, {
      min: 2,
      max: 2,
      ...(host === 'processes' ? { kernelOptions: { processes: true }, spawn: { process: true } } : {}),
    });
    try {
      const crashDir = join(scratch, `crash-${host}`);
      const settled = new Array<number>(200).fill(0);
      const results = await within(
        Promise.all(
          Array.from({ length: 200 }, (_, n) =>
            pool.run(n === 77 ? { n, crashOnce: crashDir } : { n, sleep: n % 10 === 0 ? 5 : 0 }).finally(() => settled[n]!++),
          ),
        ),
        60_000,
        'every request',
      );
      assert.deepEqual(results, Array.from({ length: 200 }, (_, n) => n * 2));
      assert.ok(settled.every((count) => count === 1), 'each run() settled once');
      assert.ok(existsSync(crashDir), 'the crash happened');
      const stats = pool.stats;
      assert.equal(stats.completed, 200);
      assert.equal(stats.failed, 0);
      assert.ok(stats.retries >= 1, `the killed request ran again (retries ${stats.retries})`);
      await waitFor(() => pool.stats.workers === 2, 'the dead worker to be replaced');
      assert.ok(pool.stats.respawns >= 1);
      assert.equal(stats.runTime.count, 200);
      assert.ok(stats.runTime.p50 > 0 && stats.runTime.p99 >= stats.runTime.p50 && stats.runTime.max >= stats.runTime.p99);
    } finally {
      await pool.close();
    }
  });
}

test('errors cross, abort reaches the function, a request that kills every worker fails after its retries; the pool goes on', T, async () => {
  const pool = new Pool(WORK, { min: 1, max: 2, retries: 1 });
  try {
    await assert.rejects(pool.run({ fail: 'bad input' }), (e: unknown) => e instanceof RemoteError && e.remoteName === 'TypeError' && e.message === 'bad input');
    const marker = join(scratch, 'aborted');
    const ac = new AbortController();
    const running = pool.run({ waitForAbort: marker }, { signal: ac.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    ac.abort();
    await assert.rejects(running, InterruptedError);
    await waitFor(() => existsSync(marker), "the function's signal to abort");
    assert.equal(await pool.run({ n: 21 }), 42);
    // A poison request: every try kills its worker.
    await assert.rejects(pool.run({ crash: true }), BrokenPipeError);
    assert.equal(await pool.run({ n: 5 }), 10, 'the pool replaced its workers');
    assert.equal(pool.stats.failed, 3);
  } finally {
    await pool.close();
  }
});

test('backpressure, growth and shrinking: with maxQueue 2, run() waits for room; the pool grows to max under load and shrinks to min after idleTimeout', T, async () => {
  const pool = new Pool(WORK, { min: 1, max: 3, maxQueue: 2, idleTimeout: 300 });
  try {
    const many = Array.from({ length: 30 }, (_, n) => pool.run({ n, sleep: 20 }));
    await waitFor(() => pool.stats.workers === 3, 'the pool to grow to max under load');
    const depths: number[] = [];
    const sampler = setInterval(() => {
      const port = pool.kernel.snapshot().objects.find((o) => o.type === 'port' && o.owner === pool.kernel.task.pid);
      if (port) depths.push(port.depth);
    }, 2);
    assert.deepEqual(await within(Promise.all(many), 30_000, 'the requests'), Array.from({ length: 30 }, (_, n) => n * 2));
    clearInterval(sampler);
    assert.ok(depths.length > 0 && Math.max(...depths) <= 2, `the queue never held more than maxQueue (most ${Math.max(...depths)})`);
    await waitFor(() => pool.stats.workers === 1, 'the pool to shrink to min after idleTimeout', 10_000);
  } finally {
    await pool.close();
  }
});

test('close: the request running finishes and is answered, the queued ones are rejected with BrokenPipeError, later run() calls too; the workers end', T, async () => {
  const pool = new Pool(WORK, { min: 1, max: 1 });
  assert.equal(await pool.run({ n: 1 }), 2, 'the worker is up');
  const outcomes = [0, 1, 2].map((n) => pool.run({ n, sleep: 300 }).then((v) => v, (e: unknown) => e));
  await waitFor(() => pool.kernel.usage().calls >= 3, 'the three requests to be sent');
  await pool.close();
  const [first, ...queued] = await Promise.all(outcomes);
  assert.equal(first, 0, 'the running request was answered');
  for (const outcome of queued) assert.ok(outcome instanceof BrokenPipeError, `a queued request is rejected, got ${String(outcome)}`);
  assert.equal(pool.stats.workers, 0);
  await assert.rejects(pool.run({ n: 1 }), BrokenPipeError);
});
