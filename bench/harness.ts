/**
 * What every benchmark file provides, and the runner-side plumbing for sides
 * that run in worker threads: starting a round through the control block,
 * waiting for it without blocking the event loop, and failing loudly (not
 * hanging) when a worker dies.
 */
import { type Transferable, Worker } from 'node:worker_threads';
import type { ChildProcess } from 'node:child_process';
import type { TaskHandle } from '../src/index.js';
import { type Control, C_BUDGET_US, C_COMMAND, C_DONE, C_READY, C_STOP, createControl, F_OPS, F_VALUE, wakeWord } from './control.js';
import type { Backend } from '../src/backend/backend.js';

/** What one round measured. */
export interface RoundFigure {
  /** µs per operation, messages per second, or GB/s: the benchmark's unit. */
  value: number;
  /** Operations (calls, messages) the round did. */
  ops: number;
  /**
   * kipc only: futex sleeps (kernel `stats.parks`) during the round. Near 0
   * per op means waiters caught their wake-up while spinning; near 2 per
   * call means both sides slept on every round trip.
   */
  parks?: number;
}

/** One contender of a benchmark, set up and idle between rounds. */
export interface Side {
  /** Short description of what is measured, e.g. 'port.call, worker → worker'. */
  readonly label: string;
  /** Runs one round of about `budgetMs`. */
  round(budgetMs: number): Promise<RoundFigure>;
  /** Stops every thread the side started. Safe to call twice. */
  close(): Promise<void>;
}

export type Target =
  /** kipc's median must be at most `value` (in the benchmark's unit). */
  | { kind: 'at-most'; value: number }
  /** kipc's median must be at least `value`. */
  | { kind: 'at-least'; value: number }
  /** kipc must beat the alternative by this factor. */
  | { kind: 'speedup'; value: number }
  /** kipc's share of the ceiling side (Benchmark.openCeiling) must be at least `value` (0.5: half). */
  | { kind: 'share-of-ceiling'; value: number };

export interface Benchmark {
  /** Filter key on the command line. */
  readonly name: string;
  readonly title: string;
  readonly unit: 'µs' | 'msg/s' | 'GB/s';
  /** What one operation is, in the report's parks line (default: 'call' for µs, else 'message'). */
  readonly operation?: string;
  readonly targets: readonly Target[];
  /** Sets up both sides: kipc first, then the alternative. */
  open(): Promise<{ kipc: Side; alternative: Side }>;
  /**
   * Optionally, a side doing the same work with no kernel at all (the
   * machine's ceiling), run in the same rounds as the other two.
   */
  openCeiling?(): Promise<Side>;
  /** Whose floor is measured before it: two threads (default) or, for benchmarks between processes, two processes. */
  readonly floor?: 'thread' | 'process';
  /** Warm-up rounds for this benchmark instead of the run's (0 for one whose every round is a fresh process). */
  readonly warmupRounds?: number;
}

/** How long a round may take before the runner gives up on a side (a hang is reported, not waited out). */
const ROUND_TIMEOUT_MS = 60_000;
const SETUP_TIMEOUT_MS = 30_000;

/**
 * Waits without blocking the event loop until `words[index]` satisfies
 * `done`, `failure` rejects, or `timeoutMs` passes.
 */
export async function waitForWord(
  futex: Backend,
  words: Int32Array,
  index: number,
  done: (value: number) => boolean,
  failure: Promise<never>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = Atomics.load(words, index);
    if (done(value)) return;
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    // Wake at least every 100 ms: waitAsync alone does not keep the loop alive.
    const waited = futex.waitAsync(words, index, value, Math.min(left, 100));
    if (waited instanceof Promise) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(left, 100) + 5)));
      try {
        await Promise.race([waited, failure, tick]);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/**
 * A promise that rejects when any of the side's threads stops unexpectedly.
 * `expected()` turns later stops into no-ops (used once the side is closing).
 */
export class Failure {
  readonly promise: Promise<never>;
  private fail!: (error: Error) => void;
  private closing = false;

  constructor() {
    this.promise = new Promise<never>((_, reject) => (this.fail = reject));
    this.promise.catch(() => {}); // observed by whoever waits; never an unhandled rejection
  }

  expected(): void {
    this.closing = true;
  }

  watchWorker(worker: Worker, name: string): void {
    worker.on('error', (error) => this.fail(new Error(`bench: worker ${name} failed: ${error?.stack ?? error}`)));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`bench: worker ${name} exited early (code ${code})`));
    });
  }

  /** A child process of the side (the process benchmarks' alternatives). */
  watchChild(child: ChildProcess, name: string): void {
    child.on('error', (error) => this.fail(new Error(`bench: ${name} failed: ${error.stack ?? String(error)}`)));
    child.on('exit', (code, signal) => {
      if (!this.closing) this.fail(new Error(`bench: ${name} exited early (${signal ?? `code ${code}`})`));
    });
  }

  watchTask(task: TaskHandle, name: string): void {
    void task.exited.then((exit) => {
      if (!this.closing || exit.error !== undefined) {
        this.fail(new Error(`bench: task ${name} (pid ${task.pid}) exited with code ${exit.code}${exit.error ? `: ${exit.error}` : ''}`));
      }
    });
  }
}

/**
 * The runner's end of a side whose rounds are driven by a worker (see
 * workers/driver.ts): each round is a C_COMMAND bump answered by C_DONE.
 */
export class DrivenSide implements Side {
  private sequence = 0;
  private closed: Promise<void> | undefined;

  /** `parks` reads the kernel's park counter, for kipc sides. */
  constructor(
    readonly label: string,
    private readonly control: Control,
    private readonly failure: Failure,
    private readonly shutdown: () => Promise<void>,
    private readonly parks?: () => number,
  ) {}

  /** Waits until `count` workers of the side have reported ready. */
  async ready(count: number): Promise<void> {
    await waitForWord(this.control.futex, this.control.words, C_READY, (v) => v >= count, this.failure.promise, SETUP_TIMEOUT_MS, `${this.label} to start`);
  }

  async round(budgetMs: number): Promise<RoundFigure> {
    const { words, results } = this.control;
    const parksBefore = this.parks?.();
    const sequence = ++this.sequence;
    Atomics.store(words, C_BUDGET_US, Math.round(budgetMs * 1000));
    Atomics.store(words, C_COMMAND, sequence);
    wakeWord(this.control.futex, words, C_COMMAND);
    await waitForWord(this.control.futex, words, C_DONE, (v) => v === sequence, this.failure.promise, ROUND_TIMEOUT_MS, `a round of ${this.label}`);
    if (!(results[F_OPS]! > 0)) throw new Error(`bench: ${this.label} reported a round with no operations`);
    const figure: RoundFigure = { value: results[F_VALUE]!, ops: results[F_OPS]! };
    if (parksBefore !== undefined) figure.parks = this.parks!() - parksBefore;
    return figure;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.failure.expected();
      const { words } = this.control;
      Atomics.store(words, C_STOP, 1);
      Atomics.store(words, C_COMMAND, ++this.sequence);
      wakeWord(this.control.futex, words, C_COMMAND);
      await this.shutdown();
    })();
    return this.closed;
  }
}

/**
 * One plain worker (no kernel) of a side: `workerData` is its own, and gets
 * `control` (the side's control block) added; `transferList` moves what
 * workerData carries that must be transferred (MessagePorts).
 */
export interface WorkerSpec {
  /** Name in failure messages. */
  name: string;
  /** Worker module under workers/ (without .js). */
  module: string;
  workerData?: Record<string, unknown>;
  transferList?: Transferable[];
}

/**
 * A side made of plain workers, started in the order given, one of which
 * drives the rounds (workers/driver.ts). Resolves once `readyWorkers` of
 * them (default: all) have reported ready; closing the side stops them all.
 */
export async function openWorkerSide(label: string, workers: readonly WorkerSpec[], readyWorkers = workers.length): Promise<Side> {
  const control = createControl();
  const failure = new Failure();
  const started = workers.map((spec) => {
    const worker = new Worker(workerUrl(spec.module), { workerData: { ...spec.workerData, control: control.buffer }, transferList: spec.transferList });
    failure.watchWorker(worker, spec.name);
    return worker;
  });
  const side = new DrivenSide(label, control, failure, async () => {
    await Promise.all(started.map((worker) => stopWorker(worker)));
  });
  return finishOpening(side, () => side.ready(readyWorkers));
}

/**
 * Returns `side` once `setUp` (what is left of opening it: waiting for its
 * threads, a first call) has resolved; if that fails, closes the side (so
 * no thread is left behind) and rethrows.
 */
export async function finishOpening<S extends Side>(side: S, setUp: () => Promise<unknown>): Promise<S> {
  try {
    await setUp();
  } catch (error) {
    await side.close();
    throw error;
  }
  return side;
}

/** Resolves when `worker` exits; terminates it if it has not within `graceMs`. */
export async function stopWorker(worker: Worker, graceMs = 2000): Promise<void> {
  if (worker.threadId < 0) return;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const timer = setTimeout(() => void worker.terminate(), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A compiled worker module next to this file. */
export function workerUrl(name: string): URL {
  return new URL(`./workers/${name}.js`, import.meta.url);
}

/** Runs `round` (a main-thread round returning its figure), counting the kernel's parks around it. */
export async function countingParks(parks: () => number, round: () => Promise<RoundFigure>): Promise<RoundFigure> {
  const before = parks();
  const figure = await round();
  figure.parks = parks() - before;
  return figure;
}

/** Opens the kipc side, then the alternative; closes the first if the second fails. */
export async function openBoth(openKipc: () => Promise<Side>, openAlternative: () => Promise<Side>): Promise<{ kipc: Side; alternative: Side }> {
  const kipc = await openKipc();
  try {
    return { kipc, alternative: await openAlternative() };
  } catch (error) {
    await kipc.close().catch(() => {});
    throw error;
  }
}

/** Resolves `promise`, or gives up quietly after `ms` (shutdown paths: a stuck thread is then terminated). */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
