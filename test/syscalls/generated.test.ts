/**
 * The syscall table (src/syscalls/table.ts) is the one source: sys.SYS_*
 * and the dispatch follow it, README.md, docs/README.md and include/kipc.h
 * are what scripts/gen-syscalls.mjs makes of it today, and a C program
 * compiled against include/kipc.h sees the values the JS side uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sys, errno as E } from '../../src/index.js';
import { SYSCALLS, ERRNO_MEANINGS, type SyscallName } from '../../src/syscalls/table.js';
import * as L from '../../src/core/layout.js';
import { withKernel } from '../support/kernel.js';

/** The repository (this file runs from dist/test/syscalls). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NAMES = Object.keys(SYSCALLS) as SyscallName[];
const numbers = sys as unknown as Record<string, number>;

test('sys exports SYS_<name> for every syscall of the table and nothing else', () => {
  for (const name of NAMES) assert.equal(numbers[`SYS_${name}`], SYSCALLS[name].nr, name);
  const exported = Object.keys(sys).filter((k) => k.startsWith('SYS_'));
  assert.deepEqual(exported.sort(), NAMES.map((n) => `SYS_${n}`).sort());
});

test('numbers are unique among the syscalls a task of either personality speaks', () => {
  for (const personality of ['strat9', 'rou2exos'] as const) {
    const spoken = NAMES.filter((n) => SYSCALLS[n].personality === personality || SYSCALLS[n].personality === 'page').map((n) => SYSCALLS[n].nr);
    assert.equal(new Set(spoken).size, spoken.length, personality);
  }
});

test('every errno of the table is one of src/core/errno.ts, and every errno has its meaning', () => {
  for (const name of NAMES) {
    for (const e of SYSCALLS[name].errnos) assert.ok(E.ERRNO_NAMES[e] !== undefined, `${name}: errno ${e}`);
  }
  for (const value of Object.keys(E.ERRNO_NAMES)) assert.ok(ERRNO_MEANINGS[Number(value)] !== undefined, E.ERRNO_NAMES[Number(value)]);
});

test('called with no arguments, every Strat9 and page IPC syscall returns one of its errnos, sync and async', async () => {
  await withKernel(async (kernel) => {
    const task = kernel.task;
    for (const name of NAMES.filter((n) => SYSCALLS[n].personality !== 'rou2exos')) {
      const { nr, errnos } = SYSCALLS[name];
      for (const result of [task.syscall(nr), await task.syscallAsync(nr)]) {
        assert.ok(result < 0 && (errnos as readonly number[]).includes(-result), `${name} returned ${result}, not one of -${errnos.join(', -')}`);
      }
    }
    for (const nr of [0, 7, 199, 209, 235, 299, 310, 0x35, 1.5, -1, NaN, 2 ** 32 + 1]) {
      assert.equal(task.syscall(nr), -E.ENOSYS, `syscall ${nr}`);
      assert.equal(await task.syscallAsync(nr), -E.ENOSYS, `syscallAsync ${nr}`);
    }
    for (const nr of ['1', 1n, 300n, { valueOf: () => 1 }, [2]] as unknown as number[]) {
      assert.equal(task.syscall(nr, 0), -E.ENOSYS, `syscall ${String(nr)}`);
      assert.equal(await task.syscallAsync(nr, 0), -E.ENOSYS, `syscallAsync ${String(nr)}`);
    }
  });
});

test('README.md, docs/README.md and include/kipc.h are up to date with the syscall table', async () => {
  const gen = (await import(new URL('../../../scripts/gen-syscalls.mjs', import.meta.url).href)) as {
    generate(root: string): Promise<Map<string, string>>;
  };
  const files = await gen.generate(ROOT);
  assert.deepEqual([...files.keys()].sort(), ['README.md', 'docs/README.md', 'include/kipc.h']);
  for (const [path, text] of files) {
    assert.ok(readFileSync(join(ROOT, path), 'utf8') === text, `${path} is out of date with src/syscalls/table.ts: run npm run gen:syscalls`);
  }
});

/** The first C compiler on PATH, or undefined. */
function findCompiler(): string | undefined {
  return ['cc', 'gcc', 'clang'].find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
}

test('a C program compiled against include/kipc.h sees the values of the JS side', (t) => {
  const cc = findCompiler();
  if (cc === undefined) {
    const why = 'no C compiler (cc, gcc or clang) on PATH: include/kipc.h is not compiled';
    if (process.env.CI) assert.fail(`${why} (.ci/run installs gcc)`);
    t.skip(why);
    return;
  }
  const expected = new Map<string, number>([
    ...NAMES.map((n) => [`KIPC_SYS_${n}`, SYSCALLS[n].nr] as const),
    ...Object.entries(E.ERRNO_NAMES).map(([value, name]) => [`KIPC_${name}`, Number(value)] as const),
    ...(['RIGHT_READ', 'RIGHT_WRITE', 'RIGHT_GRANT', 'RIGHTS_ALL', 'EVENT_READABLE', 'EVENT_WRITABLE', 'MSG_TYPE_REPLY', 'MESSAGE_BYTES'] as const).map(
      (name) => [`KIPC_${name}`, L[name]] as const,
    ),
    ['sizeof(struct kipc_message)', L.MESSAGE_BYTES],
    ['offsetof(struct kipc_message, msg_type)', L.MSG_TYPE],
    ['offsetof(struct kipc_message, flags)', L.MSG_FLAGS],
    ['offsetof(struct kipc_message, payload)', L.MSG_PAYLOAD],
    ['sizeof(((struct kipc_message *)0)->payload)', L.MSG_PAYLOAD_BYTES],
  ]);
  const program = [
    '#include <stdio.h>',
    '#include "kipc.h"',
    'int main(void) {',
    ...[...expected.keys()].map((expr) => `  printf("%s=%ld\\n", ${JSON.stringify(expr)}, (long)(${expr}));`),
    '  return 0;',
    '}',
    '',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'kipc-h-'));
  try {
    writeFileSync(join(dir, 'main.c'), program);
    const exe = join(dir, 'main');
    const build = spawnSync(cc, ['-std=c11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', join(ROOT, 'include'), join(dir, 'main.c'), '-o', exe], { encoding: 'utf8' });
    assert.equal(build.status, 0, `${cc} failed:\n${build.stderr}`);
    const run = spawnSync(exe, { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const seen = new Map(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const at = line.lastIndexOf('=');
          return [line.slice(0, at), Number(line.slice(at + 1))] as const;
        }),
    );
    assert.deepEqual(seen, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
