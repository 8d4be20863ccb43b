/**
 * The keyboard device through a real pseudo-terminal: tmux runs
 * fixtures/keyboard-pty-app.js in a terminal of its own and types keys into it
 * (send-keys); the app's keyboard device reads the terminal in raw mode and
 * delivers PS/2 set-1 scancodes to two rou2exOS subscribers. Checks the
 * exact make/break codes the echo subscriber got for letters, a shifted
 * letter, an arrow key, Enter and Backspace, and that the subscriber that
 * never reads had its 256-byte ring fill and count every byte beyond it.
 * Needs tmux (installed by .ci/run); skipped outside CI when it is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && process.env.CI) throw new Error('keyboard-pty test: tmux is not installed (.ci/run installs it)');

const SOCKET = `kipc-kb-${process.pid}`;
function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

test('keys typed into a real terminal reach subscribers as PS/2 set-1 scancodes; a full ring counts overflow', { skip: !hasTmux && 'tmux not installed', timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kipc-kb-'));
  const out = join(dir, 'out.txt');
  const app = fileURLToPath(fixture('scenarios/fixtures/keyboard-pty-app'));
  const read = (): string => (existsSync(out) ? readFileSync(out, 'utf8') : '');
  const codes = (): string => read().split('\n').filter((l) => l.startsWith('codes ')).map((l) => l.slice(6)).join(' ');
  try {
    tmux('new-session', '-d', '-s', 'kb', '-x', '120', '-y', '40', `${process.execPath} ${app} ${out}`);
    await waitFor(() => read().includes('ready '), 'the app to attach its keyboard', 30_000);
    assert.match(read(), /ready raw=true/, 'the keyboard device put the terminal in raw mode');

    tmux('send-keys', '-t', 'kb', 'a');
    await waitFor(() => codes() === '1e 9e', "the echo task to get 'a'");
    tmux('send-keys', '-t', 'kb', 'B');
    await waitFor(() => codes().endsWith('2a 30 b0 aa'), "Shift+b for 'B'");
    tmux('send-keys', '-t', 'kb', 'Up');
    await waitFor(() => codes().endsWith('e0 48 e0 c8'), 'the Up arrow as E0-prefixed codes');
    tmux('send-keys', '-t', 'kb', 'Enter');
    await waitFor(() => codes().endsWith('1c 9c'), 'Enter');
    tmux('send-keys', '-t', 'kb', 'BSpace');
    await waitFor(() => codes().endsWith('0e 8e'), 'Backspace');
    assert.equal(codes(), '1e 9e 2a 30 b0 aa e0 48 e0 c8 1c 9c 0e 8e', 'every code, in order, nothing else');

    // 150 more letters, 25 at a time (50 bytes: each burst fits the echo
    // task's ring): 300 bytes more for the idle subscriber, whose ring holds 256.
    for (let sent = 25; sent <= 150; sent += 25) {
      tmux('send-keys', '-t', 'kb', '-l', 'x'.repeat(25));
      await waitFor(() => (codes().match(/2d ad/g) ?? []).length === sent, `the echo task to get ${sent} x`, 30_000);
    }
    tmux('send-keys', '-t', 'kb', 'q');
    await waitFor(() => read().includes('done'), 'the app to finish', 30_000);

    const line = read().split('\n').find((l) => l.startsWith('snapshot '))!;
    const { keyboard, echo, idle } = JSON.parse(line.slice('snapshot '.length)) as {
      keyboard: { scancodes: number; subscribers: { pid: number; waiting: number; dropped: number }[] };
      echo: number;
      idle: number;
    };
    const total = 14 + 300 + 2;
    assert.equal(keyboard.scancodes, total, 'bytes the device delivered');
    const idleRing = keyboard.subscribers.find((s) => s.pid === idle)!;
    assert.equal(idleRing.waiting, 256, 'the idle ring is full');
    assert.equal(idleRing.dropped, total - 256, 'every byte past 256 was dropped and counted');
    const echoRing = keyboard.subscribers.find((s) => s.pid === echo)!;
    assert.equal(echoRing.dropped, 0, 'the reading subscriber lost nothing');
  } finally {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    rmSync(dir, { recursive: true, force: true });
  }
});
