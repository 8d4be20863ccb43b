/**
 * Property tests: random programs of syscalls, issued one at a time by 3-4
 * real agent tasks, must do on the kernel exactly what they do on the
 * reference model (test/model/kernel-model.ts): same return values, same
 * bytes written, same syscalls blocking and waking. See docs/reliability.md,
 * "Reference model".
 *
 * Each run checks a fixed seed and two random ones (printed). Environment:
 *   KIPC_SEED=<n>        replay that seed only
 *   KIPC_MODEL_RUNS=<n>  programs per seed (default 15)
 *   KIPC_MODEL_STEPS=<a>-<b>  program length (default 30-90)
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { programArbitrary } from './program.js';
import { coverage, runProgram } from './run-program.js';

const FIXED_SEED = 20240601;
const runs = Number(process.env.KIPC_MODEL_RUNS ?? 15);
const [minSteps, maxSteps] = (process.env.KIPC_MODEL_STEPS ?? '30-90').split('-').map(Number) as [number, number];
const seeds = process.env.KIPC_SEED !== undefined ? [Number(process.env.KIPC_SEED)] : [FIXED_SEED, Date.now() % 2 ** 31, (Date.now() * 7919) % 2 ** 31];

for (const seed of seeds) {
  test(`kernel and reference model agree (seed ${seed}, ${runs} programs of ${minSteps}-${maxSteps} steps; replay: KIPC_SEED=${seed})`, { timeout: 230_000 }, async () => {
    console.log(`reference model: seed ${seed}, ${runs} programs (replay with KIPC_SEED=${seed})`);
    await fc.assert(
      fc.asyncProperty(programArbitrary(minSteps, maxSteps), (program) => runProgram(program)),
      // Shrinking a failure re-runs programs on real kernels: bounded, so that CI still ends.
      { seed, numRuns: runs, interruptAfterTimeLimit: 200_000, markInterruptAsFailure: false },
    );
  });
}

test('coverage of the programs run (printed)', () => {
  const results = [...coverage.results.entries()].sort(([a], [b]) => Number(a.split(':')[0]) - Number(b.split(':')[0]) || a.localeCompare(b));
  console.log(`reference model: ${coverage.steps} syscalls compared; parked ${coverage.parked}, woken ${coverage.woken}, calls queued on wake ${coverage.callsQueuedOnWake}, tasks killed ${coverage.kills}`);
  console.log(`results (nr:ok|errno count): ${results.map(([k, n]) => `${k} ${n}`).join(', ')}`);
});
