/**
 * Regression tests for kernel bugs the ABI fuzzer (fuzz.test.ts) found,
 * each reduced to the smallest scenario that showed it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, waitFor, withKernel } from '../helpers.js';

for (const abandon of [false, true]) {
  test(`a task that dies holding its own call, ${abandon ? 'abandoned' : 'received and unanswered'}, leaves no call slot behind`, async () => {
    await withKernel(async (kernel) => {
      const child = kernel.spawn(fixture('fuzz-regress-self-call'), { data: { abandon } });
      assert.deepEqual(await child.exited, { code: 0 });
      await waitFor(() => kernel.usage().tasks === 1, 'the task to be reaped');
      assert.equal(kernel.usage().calls, 0, 'call slots in use after the only caller and server died');
      assert.deepEqual(kernel.check(), []);
    });
  });
}
