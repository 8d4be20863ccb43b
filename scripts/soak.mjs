#!/usr/bin/env node
// The soak (`npm run soak`, after the build): runs the compiled soak
// (dist/test/reliability/soak.js) with this script's arguments, e.g.
//   npm run soak -- --seconds 60 --kills 1000 --seed 42
// It prints the exactly-once accounting, latency percentiles, kills
// survived, the seeds and kernel.check(), and exits non-zero on any
// violation. Long: a few minutes on a 2-core machine.
import { spawnSync } from 'node:child_process';

const result = spawnSync(process.execPath, ['dist/test/reliability/soak.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
