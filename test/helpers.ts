/**
 * Shared helpers for the test suites: a kernel per test, polling with a
 * bound, fixtures addressed relative to the compiled test folder, and
 * checks of the typed API's errors.
 */
import assert from 'node:assert/strict';
import { BadHandleError, BrokenPipeError, Kernel, KipcError, TimeoutError, type KernelOptions } from '../src/index.js';

/** URL of a compiled fixture module in dist/test/fixtures. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}.js`, import.meta.url);
}

export interface WithKernelOptions extends KernelOptions {
  /** Skip the consistency check after the body (for a test that corrupts the kernel on purpose). */
  skipCheck?: boolean;
}

/**
 * Runs `body` with a fresh kernel, closing it afterwards whatever happens.
 * When the body succeeds, the kernel must then be consistent
 * ({@link assertKernelConsistent}), unless `options.skipCheck`.
 */
export async function withKernel<T>(body: (kernel: Kernel) => Promise<T> | T, options?: WithKernelOptions): Promise<T> {
  const { skipCheck = false, ...kernelOptions } = options ?? {};
  const kernel = Kernel.create(kernelOptions);
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
 * Polls `condition` every few milliseconds until it holds; throws after
 * `timeoutMs` with `what` in the message. For waiting on other threads,
 * never for asserting timing.
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Resolves `promise`, or rejects if it takes longer than `timeoutMs` (a hang is a failure, not a stuck run). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type ErrorClass = abstract new (...args: never[]) => KipcError;

/**
 * A check for assert.throws / assert.rejects: the error is an instance of
 * `Class` (a KipcError and an Error) named after it, with `errno`, `code`,
 * a message and, when given, `cause`.
 */
export function kipcError(Class: ErrorClass, errno: number, code: string, cause?: unknown): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof Class, `expected ${Class.name}, got ${String(e)}`);
    assert.ok(e instanceof KipcError && e instanceof Error);
    assert.equal(e.errno, errno);
    assert.equal(e.code, code);
    assert.equal(e.name, Class.name);
    assert.ok(e.message.length > 0);
    if (cause !== undefined) assert.equal(e.cause, cause);
    return true;
  };
}
export const timedOut = kipcError(TimeoutError, 110, 'ETIMEDOUT');
export const brokenPipe = kipcError(BrokenPipeError, 32, 'EPIPE');
export const badHandle = kipcError(BadHandleError, 9, 'EBADF');

/** Resolves after `ms` milliseconds: lets other threads and the event loop move on. */
export const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
