/**
 * ABI fuzzing (issue 6, reliability): several fuzzer tasks of both
 * personalities issue random syscalls with random, boundary and wild
 * arguments while well-formed tasks carry checked traffic, and the kernel
 * must never throw, never hang, never answer outside the ABI, never let a
 * fuzzer disturb what it holds no handle to, and end consistent.
 * See fuzz-run.ts for one run and docs/reliability.md ("ABI fuzzing").
 *
 * Seeds: a fixed one and two random ones per run, each printed; set
 * KIPC_SEED (a comma-separated list, decimal or 0x hex) to replay.
 * KIPC_FUZZ_CALLS (per seed, default 40000) and KIPC_FUZZ_MS (time limit
 * per seed, default 15000) size it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { runFuzz, type Personality } from './fuzz-run.js';

const FIXED_SEED = 0x6b697063; // 'kipc'
const PERSONALITIES: readonly Personality[] = ['strat9', 'strat9', 'rou2exos', 'strat9', 'rou2exos'];

function seeds(): number[] {
  const given = process.env.KIPC_SEED;
  if (given) return given.split(',').map((s) => Number(s.trim()) >>> 0);
  return [FIXED_SEED, randomInt(2 ** 32 - 1), randomInt(2 ** 32 - 1)];
}

const callsPerSeed = Number(process.env.KIPC_FUZZ_CALLS ?? 40_000);
const timeLimitMs = Number(process.env.KIPC_FUZZ_MS ?? 15_000);
let totalCalls = 0;

for (const seed of seeds()) {
  const hex = `0x${seed.toString(16).padStart(8, '0')}`;
  test(`ABI fuzzing, seed ${hex} (replay: KIPC_SEED=${hex})`, async () => {
    console.log(`fuzz: seed ${hex}: starting (replay with KIPC_SEED=${hex})`);
    const result = await runFuzz({ seed, calls: callsPerSeed, timeLimitMs, personalities: PERSONALITIES });
    totalCalls += result.calls;
    const rate = Math.round(result.calls / (result.durationMs / 1000));
    console.log(
      `fuzz: seed ${hex}: ${result.calls} fuzz calls in ${(result.durationMs / 1000).toFixed(1)} s (${rate}/s), ` +
        `${result.incarnations} fuzzer tasks, ${result.endedWhileBlocked} ended while legitimately blocked, ${result.rescues} async waits woken by their own task; ` +
        `well-formed: ${result.wellFormed.map((w) => `${w.name} ${w.checked}`).join(', ')}; total so far ${totalCalls}`,
    );
    if (process.env.KIPC_FUZZ_VERBOSE) {
      const calls: Record<string, number> = {};
      const ok: Record<string, number> = {};
      for (const s of result.summaries) {
        for (const [k, v] of Object.entries(s.byName)) calls[k] = (calls[k] ?? 0) + v;
        for (const [k, v] of Object.entries(s.okByName)) ok[k] = (ok[k] ?? 0) + v;
      }
      console.log(`fuzz: seed ${hex}: calls (successes) per syscall: ${Object.keys(calls).sort().map((k) => `${k} ${calls[k]} (${ok[k] ?? 0})`).join(', ')}`);
    }
    for (const f of result.findings) console.log(`fuzz finding: ${f}`);
    assert.deepEqual(result.findings, [], `seed ${hex}: ${result.findings.length} findings (replay with KIPC_SEED=${hex})`);
    for (const w of result.wellFormed) {
      assert.deepEqual(w.exit, { code: 0 }, `well-formed task ${w.name} (seed ${hex})`);
      assert.ok(w.checked > 0, `well-formed task ${w.name} checked nothing (seed ${hex})`);
    }
    assert.ok(result.calls >= 1000, `seed ${hex}: only ${result.calls} fuzz calls`);
  });
}
