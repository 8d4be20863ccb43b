/**
 * Shared helpers for the test suites: a kernel per test, polling with a
 * bound, fixtures addressed relative to the compiled test folder.
 */
import { Kernel, type KernelOptions } from '../src/index.js';

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
