/**
 * Init side: a kernel per test (closed whatever happens, checked for
 * consistency after the body), a guarded variant for the suites that kill
 * tasks, a wait for the kernel lock, and a watchdog against a blocked init
 * thread.
 */
import assert from 'node:assert/strict';
import { H_LOCK } from '../../src/core/layout.js';
import { Kernel, type KernelOptions } from '../../src/index.js';

export interface WithKernelOptions extends KernelOptions {
  /** Skip the consistency check after the body (for a test that corrupts the kernel on purpose). */
  skipCheck?: boolean;
}

/**
 * KIPC_TEST_TASKS=process: every kernel these helpers create is shared with
 * processes and every task they spawn is a child process, so that a suite
 * written once runs with both task hosts (test/backend/process-tasks.test.ts).
 */
export const TASKS_AS_PROCESSES = process.env['KIPC_TEST_TASKS'] === 'process';

/** Kernel.create, with tasks as processes under KIPC_TEST_TASKS=process. */
export function createTestKernel(options: KernelOptions = {}): Kernel {
  if (!TASKS_AS_PROCESSES) return Kernel.create(options);
  const kernel = Kernel.create({ ...options, processes: true });
  const spawn = kernel.spawn.bind(kernel);
  kernel.spawn = (module, spawnOptions = {}) => spawn(module, { ...spawnOptions, process: spawnOptions.process ?? true });
  return kernel;
}

/**
 * Runs `body` with a fresh kernel, closing it afterwards whatever happens.
 * When the body succeeds, the kernel must then be consistent
 * ({@link assertKernelConsistent}), unless `options.skipCheck`.
 */
export async function withKernel<T>(body: (kernel: Kernel) => Promise<T> | T, options?: WithKernelOptions): Promise<T> {
  const { skipCheck = false, ...kernelOptions } = options ?? {};
  const kernel = createTestKernel(kernelOptions);
  try {
    const result = await body(kernel);
    if (!skipCheck) await assertKernelConsistent(kernel, 'after the test body');
    return result;
  } finally {
    await kernel.close();
  }
}

/** How long {@link assertKernelConsistent} lets a reported problem settle before it fails. */
const SETTLE_MS = 3000;

/**
 * Asserts that kernel.check() finds no problem. Tasks may still be
 * running when it is called (a server looping, a task being reaped, an
 * async operation of init's woken but not yet resumed), and check() reads
 * the words such threads change without the kernel lock as they are: a
 * report can be a moment caught mid-operation. So a report is retried,
 * with the event loop running, for up to `settleMs`; only problems that
 * persist fail.
 */
export async function assertKernelConsistent(kernel: Kernel, when: string, settleMs = SETTLE_MS): Promise<void> {
  const deadline = Date.now() + settleMs;
  let problems = kernel.check();
  while (problems.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    problems = kernel.check();
  }
  assert.deepEqual(problems, [], `kernel.check() ${when} reports:\n  ${problems.join('\n  ')}`);
}

/**
 * Init side: like withKernel (kernel.check() must find nothing
 * after the body), but a kernel wedged by a bug (a supervisor that never
 * finishes its shutdown) does not hang the test run after the failure has
 * been reported: close gets `closeMs`, then the supervisor is let go so
 * that the process can exit.
 */
export async function withGuardedKernel<T>(body: (kernel: Kernel) => Promise<T> | T, options?: KernelOptions, closeMs = 15_000): Promise<T> {
  const kernel = createTestKernel(options);
  try {
    const result = await body(kernel);
    await assertKernelConsistent(kernel, 'after the test body');
    return result;
  } finally {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = await Promise.race([
      kernel.close().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), closeMs);
      }),
    ]);
    clearTimeout(timer);
    if (!closed) {
      process.emitWarning('kipc test: the kernel did not shut down (wedged supervisor); abandoning it');
      (kernel as unknown as { supervisor: { unref(): void } }).supervisor.unref();
    }
  }
}

/**
 * Init side: resolves once the kernel lock is free, so that init's next
 * synchronous kernel op cannot block its thread on a lock that is never
 * recovered; rejects (naming `what`) if it stays held for `timeoutMs`.
 */
export async function lockFree(kernel: Kernel, what: string, timeoutMs = 15_000): Promise<void> {
  const words = new Int32Array(kernel.buffer);
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(words, H_LOCK) !== 0) {
    if (Date.now() > deadline) throw new Error(`the kernel lock stayed held (by tag ${Atomics.load(words, H_LOCK)}) for ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Init side: a guard against a kernel bug that blocks init's own thread
 * (a sync call or the kernel lock) forever, which no promise timeout can
 * catch. A plain worker (not a task) expects a heartbeat from init's event
 * loop; after `limitMs` without one it writes `what` to stderr and kills the
 * process, so that the test run fails instead of hanging.
 */
export function startWatchdog(limitMs: number, what: string): { stop(): void } {
  const beat = new Int32Array(new SharedArrayBuffer(8));
  const code = `
    const { workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    const beat = new Int32Array(workerData.buffer);
    for (;;) {
      const seen = Atomics.load(beat, 0);
      const r = Atomics.wait(beat, 0, seen, workerData.limit);
      if (Atomics.load(beat, 1) === 1) break;
      if (r === 'timed-out') {
        fs.writeSync(2, 'WATCHDOG: ' + workerData.what + ': the main thread made no progress for ' + workerData.limit + ' ms; killing the test process\\n');
        process.kill(process.pid, 'SIGKILL');
      }
    }`;
  // Imported lazily so that task-side users of this module do not load it.
  let stopped = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  void import('node:worker_threads').then(({ Worker }) => {
    if (stopped) return;
    const worker = new Worker(code, { eval: true, workerData: { buffer: beat.buffer, limit: limitMs, what } });
    worker.unref();
  });
  timer = setInterval(() => {
    Atomics.add(beat, 0, 1);
    Atomics.notify(beat, 0);
  }, 200);
  timer.unref();
  return {
    stop(): void {
      stopped = true;
      clearInterval(timer);
      Atomics.store(beat, 1, 1);
      Atomics.notify(beat, 0);
    },
  };
}
