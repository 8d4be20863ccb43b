/**
 * The adaptive spin budget (src/core/spin-budget.ts): its decisions,
 * step by step. What it buys on a busy machine is a benchmark's business
 * (`npm run bench`, the busy pass); here, that it parks at once only on
 * evidence that a woken thread got no core, shortens plain spins only
 * after they keep failing, probes, and comes back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AFTER_WAKE_MS,
  FAILED_SPINS_TO_SHORTEN,
  FIRST_PROBE_GAP,
  LAST_PROBE_GAP,
  SHORT_SPIN_MICROS,
  SpinBudget,
  STARVED_SPINS_TO_STOP,
} from '../../src/core/spin-budget.js';

const FULL = 47;

interface Outcome {
  changed: boolean;
  resumesAtWake: number;
  resumesAfter: number;
}

/** One wait right after a wake at time `now`: the budget it got (its outcome recorded if it spun). */
function waitAfterWake(policy: SpinBudget, now: number, outcome: Outcome): number {
  policy.woke(now, outcome.resumesAtWake);
  const budget = policy.budget(now + 0.01, FULL);
  if (budget > 0) policy.spun(outcome.changed, outcome.resumesAfter);
  return budget;
}

/** One wait that follows no wake: the budget it got. */
function plainWait(policy: SpinBudget, now: number, changed: boolean): number {
  const budget = policy.budget(now, FULL);
  policy.spun(changed, 0);
  return budget;
}

const STARVED: Outcome = { changed: false, resumesAtWake: 7, resumesAfter: 7 };

test('waits spin their whole budget while their spins pay, and a wake long ago is no wake', () => {
  const policy = new SpinBudget();
  for (let i = 0; i < 100; i++) assert.equal(plainWait(policy, 1_000 + i, true), FULL);
  policy.woke(0, 0);
  assert.equal(policy.budget(AFTER_WAKE_MS + 1, FULL), FULL);
  policy.spun(false, 0);
  assert.equal(policy.parksAtOnce, false, 'a plain wait says nothing about woken threads');
  for (let i = 0; i < 100; i++) assert.equal(waitAfterWake(policy, 2_000 + i, { changed: true, resumesAtWake: 0, resumesAfter: 0 }), FULL);
});

/** The positions (1-based) among `count` waits that are probes, while every probe fails. */
function failingProbePositions(count: number): number[] {
  const positions: number[] = [];
  for (let at = 0, gap = FIRST_PROBE_GAP; at + gap <= count; gap = Math.min(gap * 2, LAST_PROBE_GAP)) positions.push((at += gap));
  return positions;
}

test(`after ${STARVED_SPINS_TO_STOP} starved spins in a row, waits after a wake park at once but for probes, whose gap doubles while they fail`, () => {
  const policy = new SpinBudget();
  let now = 0;
  for (let i = 0; i < STARVED_SPINS_TO_STOP; i++) assert.equal(waitAfterWake(policy, (now += 1), STARVED), FULL, `starved spin ${i + 1} still spins`);
  assert.equal(policy.parksAtOnce, true);
  const spun: number[] = [];
  const waits = 5 * LAST_PROBE_GAP;
  for (let i = 1; i <= waits; i++) if (waitAfterWake(policy, (now += 1), STARVED) > 0) spun.push(i);
  assert.deepEqual(spun, failingProbePositions(waits), 'only the probes spin');
  assert.equal(spun.at(-1)! - spun.at(-2)!, LAST_PROBE_GAP, 'the gap stops growing');
  assert.equal(plainWait(policy, (now += 1), true), FULL, 'waits that follow no wake still spin');
  assert.equal(policy.parksAtOnce, true);
});

test('a probe that catches its change, or sees a sleeper resume, makes waits after a wake spin again', () => {
  for (const outcome of [
    { changed: true, resumesAtWake: 7, resumesAfter: 7 },
    { changed: false, resumesAtWake: 7, resumesAfter: 8 },
  ]) {
    const policy = new SpinBudget();
    let now = 0;
    for (let i = 0; i < STARVED_SPINS_TO_STOP; i++) waitAfterWake(policy, (now += 1), STARVED);
    // Three probes fail (at waits 16, 48 and 112), so the gap has grown to 128.
    for (let i = 0; i < 200; i++) waitAfterWake(policy, (now += 1), STARVED);
    let parked = 0;
    while (waitAfterWake(policy, (now += 1), outcome) === 0) parked++;
    // The fourth probe is the 240th wait (16 + 32 + 64 + 128).
    assert.equal(parked, 15 * FIRST_PROBE_GAP - 200 - 1, 'the next probe came after the grown gap');
    assert.equal(policy.parksAtOnce, false, `after a probe with ${JSON.stringify(outcome)}`);
    assert.equal(waitAfterWake(policy, (now += 1), STARVED), FULL, 'the next wait after a wake spins');
    for (let i = 1; i < STARVED_SPINS_TO_STOP; i++) waitAfterWake(policy, (now += 1), STARVED);
    const gaps = Array.from({ length: FIRST_PROBE_GAP }, () => waitAfterWake(policy, (now += 1), STARVED));
    assert.equal(gaps.indexOf(FULL), FIRST_PROBE_GAP - 1, 'and the probes start again from the first gap');
  }
});

test('a slow peer that runs (it resumed) never stops the spinning; neither do starved spins that are not in a row', () => {
  const policy = new SpinBudget();
  let now = 0;
  for (let i = 0; i < 50; i++) assert.equal(waitAfterWake(policy, (now += 1), { changed: false, resumesAtWake: i, resumesAfter: i + 1 }), FULL);
  for (let i = 0; i < 50; i++) {
    for (let k = 0; k < STARVED_SPINS_TO_STOP - 1; k++) assert.equal(waitAfterWake(policy, (now += 1), STARVED), FULL);
    assert.equal(waitAfterWake(policy, (now += 1), { changed: true, resumesAtWake: 0, resumesAfter: 0 }), FULL);
  }
  assert.equal(policy.parksAtOnce, false);
});

test(`after ${FAILED_SPINS_TO_SHORTEN} failed plain spins in a row, plain waits spin ${SHORT_SPIN_MICROS} µs but for probes, until one catches its change`, () => {
  const policy = new SpinBudget();
  let now = 0;
  for (let i = 0; i < FAILED_SPINS_TO_SHORTEN; i++) assert.equal(plainWait(policy, (now += 1), false), FULL);
  const waits = 5 * LAST_PROBE_GAP;
  const budgets = Array.from({ length: waits }, () => plainWait(policy, (now += 1), false));
  const probes = failingProbePositions(waits);
  assert.deepEqual(
    budgets.flatMap((budget, i) => (budget === FULL ? [i + 1] : [])),
    probes,
    'the whole budget only for the probes',
  );
  assert.ok(budgets.every((budget) => budget === FULL || budget === SHORT_SPIN_MICROS));
  assert.equal(policy.budget((now += 1), 5), 5, 'never more than the whole budget');
  policy.spun(false, 0);
  // A short spin that catches its change restores the whole budget and the first gap.
  assert.equal(plainWait(policy, (now += 1), true), SHORT_SPIN_MICROS);
  assert.equal(plainWait(policy, (now += 1), false), FULL);
  for (let i = 1; i < FAILED_SPINS_TO_SHORTEN; i++) plainWait(policy, (now += 1), false);
  const again = Array.from({ length: FIRST_PROBE_GAP }, () => plainWait(policy, (now += 1), false));
  assert.equal(again.indexOf(FULL), FIRST_PROBE_GAP - 1, 'the first probe comes after the first gap again');
  // Failed plain spins say nothing about woken threads.
  assert.equal(waitAfterWake(policy, (now += 1), { changed: true, resumesAtWake: 0, resumesAfter: 0 }), FULL);
});
