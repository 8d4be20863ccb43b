#!/usr/bin/env node
// npm's install step for kipc's native part (native/kipc_process.cc, the
// process backend; Linux only). Uses a prebuilt binary for this platform and
// Node ABI when the package ships one (prebuilds/), else builds it with
// node-gyp. Never fails the install: without the native part, kernels of
// worker threads work as ever and process features throw an error saying
// what is missing.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;

function warn(why) {
  console.warn(`kipc: the native part for processes is not available (${why}); tasks as worker threads need none of it. See docs/processes.md.`);
}

if (process.platform !== 'linux') {
  process.exit(0);
}
try {
  require('node-gyp-build')(root);
  process.exit(0);
} catch {
  // No prebuilt binary and no earlier build: build one.
}
let gyp = process.env.npm_config_node_gyp;
if (!gyp || !existsSync(gyp)) {
  try {
    gyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    gyp = undefined;
  }
}
if (!gyp) {
  warn('no prebuilt binary for this Node, and node-gyp was not found');
  process.exit(0);
}
const built = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (built.status !== 0) {
  const last = (built.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  warn(`building it failed: a C++ compiler, make and python3 are needed${last ? `; node-gyp said: ${last}` : ''}`);
}
process.exit(0);
