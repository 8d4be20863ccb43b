/**
 * Import rules: each folder of src/ is a layer and imports only the layers
 * below it (see docs/design.md). `npm test` runs these with
 * `depcruise --config .dependency-cruiser.cjs src`.
 *
 *   cli                 the command line
 *   runtime             Kernel, tasks, task hosts, supervisor
 *   devices             simulated hardware drivers (network, keyboard)
 *   api | check         typed API | kernel.check()
 *   syscalls            numbered personalities
 *   ops                 blocking, park, handle ops, wait-many, reap
 *   objects             one folder per object type + the registry
 *   core                region, lock, layout, tables, page pool
 *   backend             memory, wait and wake
 */
const layers = {
  backend: [],
  core: ['backend'],
  objects: ['backend', 'core'],
  ops: ['backend', 'core', 'objects'],
  syscalls: ['backend', 'core', 'objects', 'ops'],
  api: ['backend', 'core', 'objects', 'ops'],
  check: ['backend', 'core', 'objects', 'ops', 'syscalls'],
  devices: ['backend', 'core', 'objects', 'ops', 'api'],
  runtime: ['backend', 'core', 'objects', 'ops', 'syscalls', 'api', 'check', 'devices'],
  cli: ['runtime', 'api', 'devices', 'backend', 'index.ts'],
};

const target = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})(/|$)`;

module.exports = {
  forbidden: [
    ...Object.entries(layers).map(([layer, below]) => ({
      name: `layer-${layer}`,
      comment: `src/${layer}/ imports only ${below.length ? below.map((b) => `src/${b}`).join(', ') : 'itself'} (and itself)`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: '^src/', pathNot: target([layer, ...below]) },
    })),
    {
      name: 'index-not-cli',
      comment: 'the package entry point does not import the command line',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-cycles',
      comment: 'no import cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
