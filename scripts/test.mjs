#!/usr/bin/env node
// Runs the compiled test suites (dist/test/**/*.test.js) with node's test
// runner, one file at a time (after the architecture rules of
// scripts/lint-layers.mjs, when no filter is given): the suites start real threads, and two cores
// are shared by all of them. Arguments filter the files by substring.
// A test that hangs fails after TEST_TIMEOUT_MS instead of stalling the run,
// and the runner exits even if a failed test left a worker behind.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const filters = process.argv.slice(2);
if (filters.length === 0) {
  const lint = spawnSync(process.execPath, ['scripts/lint-layers.mjs'], { stdio: 'inherit' });
  if (lint.status !== 0) process.exit(lint.status ?? 1);
}
const files = readdirSync('dist/test', { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => `dist/test/${f}`);
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const TEST_TIMEOUT_MS = 240_000;
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', `--test-timeout=${TEST_TIMEOUT_MS}`, '--test-force-exit', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
