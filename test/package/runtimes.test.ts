/**
 * Bun and Deno (issue 17, point 6): the README's echo program and its pool
 * program, run as written under each runtime (both from the devDependencies
 * `bun` and `deno`), must print what the README says they print.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blocksOf, headerOf, write } from '../support/readme.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RUN = join(ROOT, '.readme-run', 'runtimes');
after(() => rmSync(RUN, { recursive: true, force: true }));

const blocks = blocksOf(readFileSync(join(ROOT, 'README.md'), 'utf8'));

/** The README program `file` and the support files written in blocks just before it. */
function program(file: string): { files: { name: string; code: string }[]; output: string } {
  const at = blocks.findIndex((b) => headerOf(b)?.file === file && headerOf(b)?.output !== undefined);
  assert.ok(at >= 0, `README has the program ${file}`);
  const files: { name: string; code: string }[] = [];
  for (let i = at - 1; i >= 0 && headerOf(blocks[i]!)?.output === undefined && headerOf(blocks[i]!) !== undefined; i--) files.unshift({ name: headerOf(blocks[i]!)!.file, code: blocks[i]!.code });
  files.push({ name: file, code: blocks[at]!.code });
  return { files, output: headerOf(blocks[at]!)!.output! };
}

const RUNTIMES = {
  bun: (path: string) => [join(ROOT, 'node_modules', '.bin', 'bun'), [path]] as const,
  deno: (path: string) => [join(ROOT, 'node_modules', '.bin', 'deno'), ['run', '--allow-all', path]] as const,
};

for (const runtime of ['bun', 'deno'] as const) {
  for (const file of ['echo.mjs', 'main.mjs']) {
    test(`${runtime} runs the README's ${file} as written`, { timeout: 120_000 }, () => {
      const { files, output } = program(file);
      const dir = join(RUN, `${runtime}-${file}`);
      mkdirSync(dir, { recursive: true });
      let path = '';
      for (const f of files) path = write(dir, f.name, f.code);
      const [command, args] = RUNTIMES[runtime](path);
      const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', timeout: 100_000, env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(result.status, 0, `${runtime} exited with ${result.status}\n${result.stdout}\n${result.stderr}`);
      const printed = result.stdout.replace(/\s+/g, ' ').replace(/"/g, "'");
      const expected = output.replace(/\s+/g, ' ').replace(/"/g, "'");
      // Bun prints objects its own way ({ path: "a.png", ... } over lines): compare the fields.
      const fields = expected.match(/[\w']+: [\w.']+/g) ?? [expected];
      for (const field of fields) assert.ok(printed.includes(field) || printed.includes(expected), `${runtime} printed ${field}; got:\n${result.stdout}`);
    });
  }
}
