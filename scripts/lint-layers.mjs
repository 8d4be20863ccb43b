#!/usr/bin/env node
// The architecture rules, checked by `npm test` before the suites run:
// dependency-cruiser's layer rules (.dependency-cruiser.cjs: each folder of
// src/ imports only the layers below it, no cycles).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const depcruise = fileURLToPath(new URL('../node_modules/dependency-cruiser/bin/dependency-cruise.mjs', import.meta.url));
const result = spawnSync(process.execPath, [depcruise, '--config', '.dependency-cruiser.cjs', 'src'], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('import rules broken: see docs/design.md for the layers');
  process.exit(result.status ?? 1);
}
