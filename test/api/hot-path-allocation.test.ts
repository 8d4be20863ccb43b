/**
 * The synchronous message path allocates nothing once warm (issue 18,
 * point 4): send, receive, their try and batch forms and the raw syscalls,
 * measured in a process of their own (fixtures/allocation-probe.ts). A
 * value send is measured too, as the control: it must allocate, or the
 * probe would be blind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { fixture } from '../support/fixtures.js';

const run = promisify(execFile);

test('the sync message path allocates no heap per operation once warm (send, receive, try and batch forms, raw syscalls); a value send does', { timeout: 120_000 }, async () => {
  const { stdout } = await run(process.execPath, [fileURLToPath(fixture('api/fixtures/allocation-probe'))], { timeout: 100_000 });
  const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | null>;
  for (const op of ['send + receive', 'trySend + tryReceive', 'sendMany + receiveMany', 'syscall IPC_SEND + IPC_RECV']) {
    const bytes = figures[op];
    assert.ok(bytes !== null && bytes !== undefined, `${op}: every trial met a collection, so nothing was measured (${stdout.trim()})`);
    assert.ok(bytes < 2, `${op} allocates ${bytes} bytes per operation (all figures: ${stdout.trim()})`);
  }
  const control = figures['send(value) + receive + value()'];
  assert.ok(control !== null && control !== undefined && control > 50, `the probe must see a value's allocations: ${stdout.trim()}`);
});
