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

/** Runs `body` with a fresh kernel, closing it afterwards whatever happens. */
export async function withKernel<T>(body: (kernel: Kernel) => Promise<T> | T, options?: KernelOptions): Promise<T> {
  const kernel = Kernel.create(options);
  try {
    return await body(kernel);
  } finally {
    await kernel.close();
  }
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
