/**
 * One suite definition, two task hosts: the ABI suites and the scenario
 * suites run again with every task a child process (KIPC_TEST_TASKS=process,
 * see test/support/kernel.ts): the same assertions on blocking, waking,
 * ordering, errors and cleanup after a killed task hold when the tasks are
 * OS processes. Their control words live in a shared-memory object then
 * (test/support/control-words.ts), which spawn data carries to a process
 * as the same memory. Left out: the ABI files whose tasks are driven by
 * agents over a BroadcastChannel (page IPC, rou2exOS, ring), which reaches
 * only the threads of one process; test/scenarios/processes.test.ts covers
 * processes with scenarios of their own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TESTS = fileURLToPath(new URL('../', import.meta.url));
const ABI = ['args', 'call-tokens', 'call', 'channel', 'handles', 'namespace-policy', 'namespace', 'port', 'semaphore', 'wait-objects', 'wait'];
/** The scenarios: ping-pong, a server dying with 8 callers, MPMC exactly-once, spawn/exit cycles. */
const SCENARIOS = ['ping-pong', 'server-death', 'channel-mpmc', 'spawn-cycles'];
/** Spawn/exit cycles with processes: each starts a Node process, so fewer than the 1,000 of threads. */
const PROCESS_CYCLES = '200';

function runAsProcesses(files: string[]): { passed: number } {
  for (const file of files) assert.ok(existsSync(file), `${file} exists`);
  const env: NodeJS.ProcessEnv = { ...process.env, KIPC_TEST_TASKS: 'process', KIPC_CYCLES: PROCESS_CYCLES };
  delete env['NODE_TEST_CONTEXT'];
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=240000', '--test-reporter=tap', ...files], { env, encoding: 'utf8', timeout: 840_000 });
  const passed = Number(/^# pass (\d+)/m.exec(run.stdout)?.[1] ?? 0);
  const failed = run.stdout.split('\n').filter((l) => /^not ok|error:/.test(l.trim()));
  assert.equal(run.status, 0, `a suite failed with tasks as processes:\n${failed.join('\n')}\n${run.stderr}`);
  return { passed };
}

test('the ABI suites pass with every task a child process', { timeout: 900_000 }, () => {
  const { passed } = runAsProcesses(ABI.map((name) => `${TESTS}abi/${name}.test.js`));
  assert.ok(passed >= 120, `the suites ran (${passed} tests passed)`);
  console.log(`# ${passed} ABI tests passed with tasks as processes`);
});

test('the scenario suites (ping-pong, server death, MPMC exactly-once, spawn/exit cycles) pass with every task a child process', { timeout: 900_000 }, () => {
  const { passed } = runAsProcesses(SCENARIOS.map((name) => `${TESTS}scenarios/${name}.test.js`));
  assert.ok(passed >= 15, `the suites ran (${passed} tests passed)`);
  console.log(`# ${passed} scenario tests passed with tasks as processes`);
});
