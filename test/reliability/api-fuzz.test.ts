/**
 * The typed-API fuzzer: init and a worker task take turns calling the typed
 * API (Port, Channel, Ring, Semaphore, Mailbox, waitAny) on shared objects
 * with wrong arguments: strings, plain arrays, other typed arrays, detached
 * buffers and Proxies for buffers; NaN, negative, huge and object timeouts;
 * options and Messages whose getters throw; a Message reused while a
 * receive into it is pending; aborted signals; a closed handle. Each call
 * must succeed or fail at once with a kipc error, TypeError or RangeError
 * (or the fuzzer's own getter error), never hang; before each batch, the
 * other task's well-formed operations on the same objects, each with a
 * deadline, must complete (a queue lock left held would time them out);
 * and kernel.check() is clean at the end (withKernel).
 *
 * KIPC_SEED=<n> replays a run (the seed is printed on failure).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiFuzzer, probe, wrap } from './fixtures/api-fuzz-lib.js';
import { deriveSeed, Prng } from './fixtures/fuzz-prng.js';
import { FUZZ, HANDLE_ORDER, Report } from './fixtures/api-fuzz-report.js';
import { controlWords, setWord } from '../support/control-words.js';
import { startWatchdog } from '../support/kernel.js';
import { fixture } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { describeTask } from './fuzz-watchdog.js';

// Init's sync calls all carry short deadlines; a hang on its thread is a bug the watchdog reports.
const watchdog = startWatchdog(60_000, 'typed API fuzzer');
after(() => watchdog.stop());

const seed = process.env.KIPC_SEED !== undefined ? Number(process.env.KIPC_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const BATCHES = 12;
const PER_BATCH = 300;
/** A hang bound for the worker's turn. */
const TURN_MS = 30_000;

test(`typed API calls with wrong arguments fail at once and leave no lock held (seed ${seed})`, async () => {
  await withKernel(async (kernel) => {
    const init = kernel.task;
    const port = init.createPort({ capacity: 8 });
    const { sender, receiver } = init.createChannel({ capacity: 8 });
    const ring = init.createRing(4096);
    const semaphore = init.createSemaphore(1);
    const control = controlWords(FUZZ.words);
    const report = new Report();
    const worker = kernel.spawn(fixture('reliability/fixtures/api-fuzz-task'), {
      data: { ctl: control.buffer, report: report.buffer, seed: deriveSeed(seed, 1), batches: BATCHES, perBatch: PER_BATCH },
    });
    // The worker reads its handles at its first turn.
    const shared = { port, sender, receiver, ring, semaphore };
    HANDLE_ORDER.forEach((name, i) => Atomics.store(control, FUZZ.handles + i, shared[name].grant(worker.pid)));
    const objects = wrap(init, {
      port: port.duplicate().handle,
      sender: sender.duplicate().handle,
      receiver: receiver.duplicate().handle,
      ring: ring.duplicate().handle,
      semaphore: semaphore.duplicate().handle,
    });
    const fuzzer = new ApiFuzzer(new Prng(deriveSeed(seed, 0)), objects);
    const problems: string[] = [];
    for (let b = 0; b < BATCHES; b++) {
      if (b > 0) problems.push(...probe(objects).map((p) => `init, before its batch ${b}: ${p}`));
      await fuzzer.batch(init, PER_BATCH);
      problems.push(...fuzzer.failures.splice(0).map((f) => `init batch ${b}: ${f}`));
      setWord(control, FUZZ.turn, 1);
      await waitFor(() => Atomics.load(control, FUZZ.turn) !== 1, `the worker's batch ${b} (${describeTask(kernel.snapshot(), worker.pid)})`, TURN_MS);
    }
    problems.push(...probe(objects).map((p) => `init, at the end: ${p}`), ...report.lines());
    assert.deepEqual(problems, [], `seed ${seed}: ${problems.length} problems (KIPC_SEED=${seed} to replay)`);
    assert.ok(fuzzer.calls === BATCHES * PER_BATCH && Atomics.load(control, FUZZ.calls) === BATCHES * PER_BATCH);
    await worker.exited;
    for (const h of [port, sender, receiver, ring, semaphore] as { close(): void }[]) h.close();
  });
});
