/**
 * The lock-free queue's protocol (docs/design.md, "A queue with no lock":
 * built for channels, measured slower than the two-lock ring, not
 * adopted), checked exhaustively by the Spin model checker:
 * test/model/promela/lock-free-queue.pml (sends and receives, with tasks
 * that die between any two of their steps), queue-destroy.pml
 * (destroying a queue while operations are in it) and queue-wake.pml
 * (waking receivers without losing a wake-up). Each configuration must hold (no
 * assertion fails, no task is stuck where it should not be, and with
 * fairness no cycle runs without a message sent or received); each
 * mutation, which breaks one rule of the protocol, must be caught, so the
 * checks are known to bite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODELS = fileURLToPath(new URL('../../../test/model/promela/', import.meta.url));

/** Senders and receivers of each configuration (capacity 2, at most one death, one receiver always lives). */
const SENDER_DEATHS = ['-DSENDERS=2', '-DRECEIVERS=1', '-DPER_SENDER=2'];
const RECEIVER_DEATHS = ['-DSENDERS=1', '-DRECEIVERS=2', '-DPER_SENDER=3'];
const EVERYONE = ['-DSENDERS=2', '-DRECEIVERS=2', '-DPER_SENDER=1'];
const QUEUE = 'lock-free-queue.pml';
const DESTROY = 'queue-destroy.pml';
const WAKE = 'queue-wake.pml';
const SAFETY = { compile: ['-DSAFETY', '-DCOLLAPSE'], run: [] as string[] };
const PROGRESS = { compile: ['-DNP', '-DCOLLAPSE', '-DNFAIR=4'], run: ['-l', '-f'] };

/** One verifier run: a configuration that must hold, or a mutation (a broken rule) that must be caught. */
interface Run {
  model: string;
  name: string;
  defines: string[];
  mode: typeof SAFETY;
  holds: boolean;
}

const holds = (model: string, name: string, defines: string[], mode = SAFETY): Run => ({ model, name, defines, mode, holds: true });
const caught = (model: string, name: string, defines: string[], mode = SAFETY): Run => ({ model, name, defines, mode, holds: false });

const RUNS: Run[] = [
  holds(QUEUE, 'a sender dies', SENDER_DEATHS),
  holds(QUEUE, 'a receiver dies', RECEIVER_DEATHS),
  holds(QUEUE, 'anyone dies', EVERYONE),
  holds(QUEUE, 'no cycle without progress, a sender dies', SENDER_DEATHS, PROGRESS),
  caught(QUEUE, "the reaper leaves a dead sender's claim", [...SENDER_DEATHS, '-DNO_SEND_REPAIR']),
  caught(QUEUE, "the reaper leaves a dead receiver's claim", [...RECEIVER_DEATHS, '-DNO_RECV_REPAIR']),
  caught(QUEUE, 'the message is written after its publish', [...SENDER_DEATHS, '-DDATA_AFTER_PUBLISH']),
  caught(QUEUE, 'nobody helps the tail past a claimed slot', [...SENDER_DEATHS, '-DNO_HELP'], PROGRESS),
  // Destroying the queue under operations in flight (three tasks, one may die anywhere).
  holds(DESTROY, 'three tasks, one may die', ['-DTASKS=3']),
  caught(DESTROY, 'the flag is read before the note is written', ['-DCHECK_BEFORE_NOTE']),
  caught(DESTROY, 'the destroyer frees at once', ['-DNO_WAIT']),
  caught(DESTROY, "a dead task's note stays", ['-DREAP_KEEPS_NOTE']),
  caught(DESTROY, 'the reaper repairs in a destroyed queue', ['-DREAP_IN_DESTROYED']),
  // Waking receivers: no wake-up lost (three receivers), and three orderings that would lose one.
  holds(WAKE, 'three receivers', ['-DRECEIVERS=3']),
  caught(WAKE, 'the waiter looks before it raises the count', ['-DCOUNT_AFTER_LOOK']),
  caught(WAKE, 'the waiter reads the futex word after its second look', ['-DWORD_AFTER_LOOK']),
  caught(WAKE, 'the sender reads the count before it publishes', ['-DCHECK_COUNT_FIRST']),
];

interface Verdict {
  errors: number;
  output: string;
}

/** Generates, compiles and runs the verifier of `model` for `defines`: how many errors it reports. */
function verify(dir: string, model: string, defines: string[], mode: typeof SAFETY): Verdict {
  const step = (command: string, args: string[]): string => {
    const run = spawnSync(command, args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(run.error, undefined, `${command}: ${String(run.error)}`);
    return `${run.stdout}${run.stderr}`;
  };
  const generated = step('spin', ['-a', ...defines, model]);
  const compiled = step('gcc', ['-w', '-O2', ...mode.compile, '-o', 'pan', 'pan.c']);
  const output = step('./pan', ['-m1000000', ...mode.run]);
  const found = /errors: (\d+)/.exec(output);
  assert.ok(found, `the verifier printed no verdict:\n${generated}\n${compiled}\n${output}`);
  return { errors: Number(found[1]), output };
}

test('the lock-free queue protocol, its destroy and its wake-ups hold for every interleaving and every death (Spin), and each broken rule is caught', { timeout: 200_000 }, (t) => {
  if (spawnSync('spin', ['-V'], { stdio: 'ignore' }).status !== 0) {
    const why = 'no spin on PATH: the protocol is not model-checked';
    if (process.env.CI) assert.fail(`${why} (.ci/run installs spin)`);
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kipc-spin-'));
  try {
    for (const model of [QUEUE, DESTROY, WAKE]) copyFileSync(join(MODELS, model), join(dir, model));
    for (const run of RUNS) {
      const verdict = verify(dir, run.model, run.defines, run.mode);
      if (run.holds) assert.equal(verdict.errors, 0, `${run.model}, ${run.name}: the model found an error:\n${verdict.output}`);
      else assert.ok(verdict.errors > 0, `${run.model}: mutation "${run.name}" was not caught:\n${verdict.output}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
