/**
 * The README's first command runs `kipc demo`: it must run to the end on
 * its own, summarize the calls (percentiles from Node's histogram), see
 * every stuck caller get EPIPE, and leave every kernel table where it
 * started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('kipc demo runs to the end: calls summarized, stuck callers get EPIPE, nothing leaked', { timeout: 180_000 }, () => {
  const run = spawnSync(process.execPath, [CLI, 'demo'], { encoding: 'utf8', timeout: 170_000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /round trip\s+median [\d.]+ µs, p99 [\d.]+ µs, min [\d.]+ µs, max [\d.]+ µs over 7200 timed sync calls/);
  assert.match(run.stdout, /EPIPE\s+3 of 3 callers of the stuck server got BrokenPipeError/);
  assert.match(run.stdout, /cleanup: every table is back where it started; nothing leaked/);
});
