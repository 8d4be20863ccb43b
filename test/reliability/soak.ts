/**
 * The soak (`npm run soak`, through scripts/soak.mjs): the kill tests'
 * traffic and accounting (kill-run.ts) at full size.
 *
 * 1. Traffic: two tasks per role (28 tasks on however few cores) over
 *    every object type for `--seconds` (default 60), nothing killed.
 * 2. Kills: the same with `--kills` (default 1,000) random kills at random
 *    instants, each victim replaced at once.
 *
 * Each prints its exactly-once accounting (sent, delivered, errors, lost,
 * duplicated), latency percentiles per operation, kills survived, the seed
 * and kernel.check(). Exits 1 on any violation.
 *
 * Options: --seconds N, --kills N, --seed N (or KIPC_SEED), --per-role N,
 * --lanes N (kills in progress at once).
 */
import { parseArgs } from 'node:util';
import { CI_DEFAULTS, runKills, type KillRunOptions } from './kill-run.js';
import { formatReport } from './kill-report.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    kills: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    'per-role': { type: 'string', default: '2' },
    lanes: { type: 'string', default: '8' },
  },
});
const seed = Number(values.seed ?? process.env.KIPC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const seconds = Number(values.seconds);
const kills = Number(values.kills);
const perRole = Number(values['per-role']);
const lanes = Number(values.lanes);
for (const [name, value] of Object.entries({ seed, seconds, kills, perRole, lanes })) {
  if (!Number.isInteger(value) || value < 0) {
    console.error(`soak: --${name} must be a whole number >= 0`);
    process.exit(2);
  }
}

const log = (line: string): void => console.log(line);
const common: Omit<KillRunOptions, 'seed' | 'kills' | 'minDurationMs'> = {
  ...CI_DEFAULTS,
  perRole,
  killLanes: lanes,
  hangBoundMs: 30_000,
  ledgerMessages: 64_000_000,
  log,
};

let failed = false;
console.log(`soak: seed ${seed} (replay: --seed ${seed}), ${perRole} tasks per role, ${seconds} s of traffic, then ${kills} kills`);
if (seconds > 0) {
  console.log(`\n[1/2] traffic for ${seconds} s, nothing killed`);
  const result = await runKills({ ...common, seed, kills: 0, minDurationMs: seconds * 1000 });
  for (const line of formatReport('traffic', result)) console.log(line);
  failed ||= result.violations.length > 0;
}
if (kills > 0) {
  console.log(`\n[2/2] ${kills} kills at random instants`);
  const result = await runKills({ ...common, seed: seed + 1, kills, minDurationMs: 0 });
  for (const line of formatReport('kills', result)) console.log(line);
  failed ||= result.violations.length > 0 || result.kills < kills;
}
console.log(failed ? '\nsoak: FAILED' : '\nsoak: passed');
process.exit(failed ? 1 : 0);
