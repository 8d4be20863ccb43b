/**
 * One suite definition, two task hosts: the ABI suites whose tasks talk to
 * the test only through the kernel (ports, calls, names: no shared control
 * block in their spawn data) run again with every task a child process
 * (KIPC_TEST_TASKS=process, see test/support/kernel.ts): the same
 * assertions on blocking, waking, ordering, errors and cleanup after a
 * killed task hold when the tasks are OS processes. (The other ABI files
 * hand their tasks a SharedArrayBuffer of the test's, which a process
 * cannot receive; test/scenarios/processes.test.ts covers processes with
 * scenarios of their own.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ABI_DIR = fileURLToPath(new URL('../abi/', import.meta.url));
const THROUGH_THE_KERNEL_ONLY = ['args', 'call-tokens', 'call', 'handles', 'namespace-policy', 'namespace', 'port', 'wait-objects', 'wait'];

test('the ABI suites whose tasks need only the kernel pass with every task a child process', { timeout: 900_000 }, () => {
  const files = THROUGH_THE_KERNEL_ONLY.map((name) => join(ABI_DIR, `${name}.test.js`));
  const present = new Set(readdirSync(ABI_DIR));
  for (const file of files) assert.ok(present.has(file.slice(ABI_DIR.length)), `${file} exists`);
  const env: NodeJS.ProcessEnv = { ...process.env, KIPC_TEST_TASKS: 'process' };
  delete env['NODE_TEST_CONTEXT'];
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=240000', '--test-reporter=tap', ...files], { env, encoding: 'utf8', timeout: 840_000 });
  const passed = Number(/^# pass (\d+)/m.exec(run.stdout)?.[1] ?? 0);
  assert.equal(run.status, 0, `an ABI suite failed with tasks as processes:\n${run.stdout.split('\n').filter((l) => /^not ok|error:/.test(l.trim())).join('\n')}\n${run.stderr}`);
  assert.ok(passed >= 90, `the suites ran (${passed} tests passed)`);
  console.log(`# ${passed} ABI tests passed with tasks as processes`);
});
