#!/usr/bin/env node
// The architecture rules, checked by `npm test` before the suites run:
// - dependency-cruiser's layer rules (.dependency-cruiser.cjs: each folder of
//   src/ imports only the layers below it, no cycles);
// - the backend seam: no file of src/ outside src/backend/ sleeps, wakes or
//   allocates shared memory by itself (Atomics.wait, Atomics.waitAsync,
//   Atomics.notify, new SharedArrayBuffer), so that a second backend is a
//   new file in src/backend/ (docs/design.md, "Backend and task host").
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const depcruise = fileURLToPath(new URL('../node_modules/dependency-cruiser/bin/dependency-cruise.mjs', import.meta.url));
const result = spawnSync(process.execPath, [depcruise, '--config', '.dependency-cruiser.cjs', 'src'], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('import rules broken: see docs/design.md for the layers');
  process.exit(result.status ?? 1);
}

const BACKEND_ONLY = /\bAtomics\s*\.\s*(?:wait|waitAsync|notify)\b|\bnew\s+SharedArrayBuffer\b/;
const src = fileURLToPath(new URL('../src/', import.meta.url));
const breaches = [];
for (const file of readdirSync(src, { recursive: true }).map(String)) {
  if (!file.endsWith('.ts') || file.startsWith('backend/')) continue;
  readFileSync(src + file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      // Comments may name the primitives; code may not use them.
      const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '').replace(/\/\*.*?\*\//g, '');
      if (BACKEND_ONLY.test(code)) breaches.push(`src/${file}:${i + 1}: ${line.trim()}`);
    });
}
if (breaches.length > 0) {
  console.error('only src/backend/ may sleep, wake or allocate shared memory (docs/design.md, "Backend and task host"):');
  for (const breach of breaches) console.error(`  ${breach}`);
  process.exit(1);
}
console.log('backend seam: no Atomics.wait/waitAsync/notify or new SharedArrayBuffer outside src/backend/');
