/**
 * The adaptive spin after a wake (src/core/after-wake-spin.ts): its
 * decisions, step by step. What it buys on a busy machine is a benchmark's
 * business (`npm run bench -- --busy 2`); here, that it stops spinning only
 * on evidence that the woken thread got no core, probes, and comes back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AFTER_WAKE_MS, AfterWakeSpin, PROBE_EVERY, STARVED_SPINS_TO_STOP } from '../../src/core/after-wake-spin.js';

/** One wait right after a wake at time `now` (resume counter `resumesAtWake`): whether it spun. */
function waitAfterWake(policy: AfterWakeSpin, now: number, outcome: { changed: boolean; resumesAtWake: number; resumesAfter: number }): boolean {
  policy.woke(now, outcome.resumesAtWake);
  if (!policy.maySpin(now + 0.01)) return false;
  policy.spun(outcome.changed, outcome.resumesAfter);
  return true;
}

const STARVED = { changed: false, resumesAtWake: 7, resumesAfter: 7 };

test('waits that follow no wake always spin, and their outcome counts for nothing', () => {
  const policy = new AfterWakeSpin();
  for (let i = 0; i < 100; i++) {
    assert.equal(policy.maySpin(1_000 + i), true);
    policy.spun(false, 0);
  }
  assert.equal(policy.parksAtOnce, false);
  // A wake long ago is no wake.
  policy.woke(0, 0);
  assert.equal(policy.maySpin(AFTER_WAKE_MS + 1), true);
  policy.spun(false, 0);
  assert.equal(policy.parksAtOnce, false);
});

test(`after ${STARVED_SPINS_TO_STOP} starved spins in a row, waits after a wake park at once but one in ${PROBE_EVERY}`, () => {
  const policy = new AfterWakeSpin();
  let now = 0;
  for (let i = 0; i < STARVED_SPINS_TO_STOP; i++) assert.equal(waitAfterWake(policy, (now += 1), STARVED), true, `starved spin ${i + 1} still spins`);
  assert.equal(policy.parksAtOnce, true);
  const spun: number[] = [];
  for (let i = 1; i <= 3 * PROBE_EVERY; i++) if (waitAfterWake(policy, (now += 1), STARVED)) spun.push(i);
  assert.deepEqual(spun, [PROBE_EVERY, 2 * PROBE_EVERY, 3 * PROBE_EVERY], 'only the probes spin');
  // Waits that follow no wake still spin meanwhile.
  assert.equal(policy.maySpin((now += 1)), true);
  policy.spun(false, 7);
  assert.equal(policy.parksAtOnce, true, 'a wait after no wake says nothing about the woken');
});

test('a probe that catches its change, or sees a sleeper resume, makes waits after a wake spin again', () => {
  for (const outcome of [
    { changed: true, resumesAtWake: 7, resumesAfter: 7 },
    { changed: false, resumesAtWake: 7, resumesAfter: 8 },
  ]) {
    const policy = new AfterWakeSpin();
    let now = 0;
    for (let i = 0; i < STARVED_SPINS_TO_STOP; i++) waitAfterWake(policy, (now += 1), STARVED);
    let probed = false;
    for (let i = 0; i < PROBE_EVERY && !probed; i++) probed = waitAfterWake(policy, (now += 1), outcome);
    assert.equal(probed, true, 'a probe ran');
    assert.equal(policy.parksAtOnce, false, `after a probe with ${JSON.stringify(outcome)}`);
    assert.equal(waitAfterWake(policy, (now += 1), STARVED), true, 'the next wait after a wake spins');
  }
});

test('a slow peer that runs (it resumed) never stops the spinning; neither do starved spins that are not in a row', () => {
  const policy = new AfterWakeSpin();
  let now = 0;
  for (let i = 0; i < 50; i++) {
    assert.equal(waitAfterWake(policy, (now += 1), { changed: false, resumesAtWake: i, resumesAfter: i + 1 }), true);
  }
  for (let i = 0; i < 50; i++) {
    for (let k = 0; k < STARVED_SPINS_TO_STOP - 1; k++) assert.equal(waitAfterWake(policy, (now += 1), STARVED), true);
    assert.equal(waitAfterWake(policy, (now += 1), { changed: true, resumesAtWake: 0, resumesAfter: 0 }), true);
  }
  assert.equal(policy.parksAtOnce, false);
});
