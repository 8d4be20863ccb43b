/**
 * The process backend (src/backend/process.ts, native/kipc_process.cc): the
 * whole ABI suite runs on it (every kernel in a shared-memory object, every
 * wait and wake the OS futex, tasks as worker threads of the test process),
 * nothing is left in /dev/shm afterwards, and a process whose threads sleep
 * in the OS futex (which V8 cannot interrupt) still exits and still
 * terminates them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel } from '../../src/index.js';

const ABI_DIR = fileURLToPath(new URL('../abi/', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./fixtures/process-preload.js', import.meta.url));
const KERNEL_INDEX = new URL('../../src/index.js', import.meta.url).href;
const SLEEPER = new URL('../scenarios/fixtures/echo-server.js', import.meta.url).href;

/** The kipc objects in /dev/shm. */
function kipcObjects(): Set<string> {
  return new Set(readdirSync('/dev/shm').filter((f) => f.startsWith('kipc.')));
}

test('the whole ABI suite passes on the process backend, and leaves no shared-memory object behind', { timeout: 900_000 }, async () => {
  const before = kipcObjects();
  const files = readdirSync(ABI_DIR).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(ABI_DIR, f));
  assert.ok(files.length >= 10, `the ABI suite is there (${files.length} files)`);
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${PRELOAD}` };
  delete env['NODE_TEST_CONTEXT'];
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=240000', '--test-reporter=dot', ...files], { env, encoding: 'utf8', timeout: 840_000 });
  assert.equal(run.status, 0, `the ABI suite failed on the process backend:\n${run.stdout}\n${run.stderr}`);
  // A kernel whose creating thread ended without running its exit handlers
  // (a terminated worker, a killed process) cannot remove its object; the
  // next Kernel.create on the machine removes every object whose creating
  // process is gone, as the suite's all are now.
  const sweeper = Kernel.create({ processes: true, maxTasks: 2 });
  await sweeper.close();
  const left = [...kipcObjects()].filter((f) => !before.has(f));
  assert.deepEqual(left, [], 'no shared object of the suite outlived it');
});

/**
 * A process that creates a process kernel, spawns a worker task that blocks
 * in a synchronous receive (asleep in the OS futex), and then does `ending`.
 */
function runBlockedWorker(ending: string): SpawnSyncReturns<string> {
  const script = `
    import { Kernel } from ${JSON.stringify(KERNEL_INDEX)};
    const kernel = Kernel.create({ processes: true });
    const server = kernel.spawn(${JSON.stringify(SLEEPER)}, { data: { path: '/srv/sleep' } });
    for (;;) {
      try { kernel.task.connect('/srv/sleep'); break; } catch { await new Promise((r) => setTimeout(r, 2)); }
    }
    await new Promise((r) => setTimeout(r, 50));
    ${ending}`;
  const dir = mkdtempSync(join(tmpdir(), 'kipc-process-'));
  try {
    writeFileSync(join(dir, 'main.mjs'), script);
    return spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a worker asleep in the OS futex: terminate() ends it, and so does the exit of its process', { timeout: 120_000 }, () => {
  const before = kipcObjects();
  const terminated = runBlockedWorker(`console.log(JSON.stringify(await server.terminate())); await kernel.close();`);
  assert.equal(terminated.status, 0, terminated.stderr);
  assert.equal(terminated.stdout.trim(), '{"code":1}', 'the sleeping worker was terminated and reaped');
  const exited = runBlockedWorker(`process.exit(3);`);
  assert.equal(exited.signal, null, 'the process exited by itself rather than hanging until the timeout');
  assert.equal(exited.status, 3, exited.stderr);
  assert.deepEqual([...kipcObjects()].filter((f) => !before.has(f)), [], 'both processes removed their kernel\'s object');
});
