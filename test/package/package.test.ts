/**
 * What a user installs: the package loads with `require` as well as
 * `import` (no top-level await anywhere in what index.js imports), ships
 * its LICENSE, and every source map of the shipped code points at a source
 * file that ships too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; license: string };

/** Whether the package's `files` list takes the file at `path` (relative to the package root). */
function shipped(path: string): boolean {
  return manifest.files.some((entry) => path === entry || path.startsWith(`${entry}/`));
}

test("require('kipc') works from CommonJS: a kernel, a port, a message to itself, structured values", () => {
  const program = `
    const { Kernel, Message } = require('kipc');
    const kernel = Kernel.create();
    const port = kernel.task.createPort();
    port.send(Message.of(7).setU32(0, 41));
    const got = port.receive({ timeout: 1000 });
    const { sender, receiver } = kernel.task.createChannel({ maxBytes: 256, codec: 'structured' });
    sender.send(new Map([['answer', got.getU32(0) + 1]]));
    console.log(got.type, receiver.receive({ timeout: 1000 }).get('answer'));
    kernel.close().then(() => console.log('closed'));
  `;
  const run = spawnSync(process.execPath, ['-e', program], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, '7 42\nclosed\n');
});

test('the package ships its LICENSE, and every source map of the shipped code points at shipped sources', () => {
  assert.ok(shipped('LICENSE') && existsSync(join(ROOT, 'LICENSE')), 'LICENSE is in the package');
  assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), new RegExp(`^${manifest.license} License`));
  const maps = readdirSync(join(ROOT, 'dist/src'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js.map'));
  assert.ok(maps.length > 50, `the build wrote source maps (${maps.length})`);
  for (const map of maps) {
    const at = join(ROOT, 'dist/src', map);
    const { sources } = JSON.parse(readFileSync(at, 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const path = relative(ROOT, resolve(dirname(at), source));
      assert.ok(existsSync(join(ROOT, path)) && shipped(path), `${map} points at ${path}, which the package ships`);
    }
  }
});
