/**
 * Every js and ts code block of README.md, run as written (issue 17,
 * point 6), so that the README cannot rot.
 *
 * - A block whose first line is `// <file>  ->  <command>  ->  <output>`
 *   is a program: it runs with `node <file>` (a ts block compiled first)
 *   and must print `<output>`. A block whose first line is `// <file>`
 *   alone is a file the next program uses.
 * - Any other block is a fragment: it runs as a module after a prelude
 *   that imports everything kipc exports and makes `kernel`
 *   (Kernel.create()) and `task` (its init task), and the kernel is closed
 *   after it.
 * - An HTML comment `<!-- readme-test: ... -->` just before a block says
 *   more: `background, until the next block ends` (a daemon), `prints X`,
 *   `file <name>: <code>` (a file the block needs), or `typecheck, with
 *   <declarations>` (an overview that needs devices: type-checked against
 *   the package's types instead of run).
 *
 * Files are written under the package (.readme-run/), so that `import
 * 'kipc'` resolves to this package as it would for a user.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { type Block, blocksOf, compile, headerOf, write } from '../support/readme.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RUN = join(ROOT, '.readme-run');
after(() => rmSync(RUN, { recursive: true, force: true }));

const KIPC_NAMES = Object.keys(await import('../../src/index.js')).filter((name) => name !== 'default');

/** A fragment as a module: its own imports first, then everything else of kipc, `kernel` and `task`, the block, and the kernel closed. */
function fragment(block: Block): string {
  const code = block.lang === 'ts' ? compile(block.code) : block.code;
  const lines = code.split('\n');
  const imports = lines.filter((line) => /^import .* from '[^']+';\s*$/.test(line));
  const own = new Set(imports.flatMap((line) => /\{([^}]*)\}/.exec(line)?.[1]?.split(',').map((name) => name.trim().replace(/^type\s+/, '')) ?? []));
  // A compiled ts fragment may end with `export {};`, which cannot stand inside the try block.
  const rest = lines.filter((line) => !imports.includes(line) && line.trim() !== 'export {};').join('\n');
  const names = KIPC_NAMES.filter((name) => !own.has(name));
  return `${imports.join('\n')}\nimport { ${names.join(', ')} } from 'kipc';\nconst kernel = Kernel.create();\nconst task = kernel.task;\ntry {\n${rest}\n} finally {\n  await kernel.close();\n}\n`;
}

function run(path: string, cwd: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function typecheck(block: Block, dir: string, declarations: string): readonly string[] {
  const declared = declarations
    .split(/,\s*/)
    .map((d) => /^(\w+): (.+)$/.exec(d.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `declare const ${m[1]}: ${m[2]};`)
    .join('\n');
  const file = join(dir, 'block.ts');
  writeFileSync(file, `import type { Kernel, Task } from 'kipc';\ndeclare const kernel: Kernel;\ndeclare const task: Task;\n${declared}\n${block.code}\nexport {};\n`);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const blocks = blocksOf(readFileSync(join(ROOT, 'README.md'), 'utf8'));

test('README.md has js and ts blocks to run, and every directive is understood', () => {
  assert.ok(blocks.length >= 15, `found ${blocks.length} blocks`);
  for (const b of blocks) {
    if (b.directive === undefined) continue;
    assert.match(b.directive, /^(background, until the next block ends|prints .+|file [\w.-]+: .+|typecheck, with .+)$/, `line ${b.line}: ${b.directive}`);
  }
});

let pendingFiles: { name: string; code: string }[] = [];
let daemon: { child: ChildProcess; line: number } | undefined;
for (const [index, block] of blocks.entries()) {
  const header = headerOf(block);
  const directive = block.directive ?? '';
  if (header && header.output === undefined && !directive.startsWith('background') && !/^\/\/ [\w.-]+: node /.test(block.code) && !directive.startsWith('prints')) {
    pendingFiles.push({ name: header.file, code: block.code });
    continue;
  }
  const files = pendingFiles;
  pendingFiles = [];
  test(`README block at line ${block.line} (${header?.file ?? `a ${block.lang} fragment`})${directive ? `: ${directive.split(':')[0]}` : ''}`, { timeout: 90_000 }, async () => {
    const dir = join(RUN, `block-${index}`);
    mkdirSync(dir, { recursive: true });
    for (const f of files) write(dir, f.name, f.code);
    const extra = /^file ([\w.-]+): (.+)$/.exec(directive);
    if (extra) write(dir, extra[1]!, extra[2]!);
    if (directive.startsWith('typecheck, with ')) {
      assert.deepEqual(typecheck(block, dir, directive.slice('typecheck, with '.length).replace(/\s*\(.*\)$/, '')), [], 'the block type-checks');
      return;
    }
    const path = header ? write(dir, header.file, block.code) : write(dir, 'fragment.mjs', fragment(block));
    if (directive.startsWith('background')) {
      const child = spawn(process.execPath, [path], { cwd: dir, stdio: 'ignore' });
      daemon = { child, line: block.line };
      // The daemon is up once its kernel's shared object exists (the next block joins it by name).
      const name = /name: '([\w-]+)'/.exec(block.code)?.[1];
      const deadline = Date.now() + 20_000;
      while (name !== undefined && !existsSync(`/dev/shm/kipc.${name}`) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(child.exitCode, null, 'the daemon runs');
      return;
    }
    try {
      const result = run(path, dir);
      assert.equal(result.code, 0, `exit code ${result.code}\n${result.stdout}\n${result.stderr}`);
      const expected = header?.output ?? (/^prints (.+)$/.exec(directive)?.[1] ?? undefined);
      if (expected !== undefined) assert.ok(result.stdout.includes(expected), `prints ${expected}, got:\n${result.stdout}`);
    } finally {
      if (daemon) {
        daemon.child.kill('SIGTERM');
        await new Promise((resolve) => daemon!.child.once('exit', resolve));
        daemon = undefined;
      }
    }
  });
}
