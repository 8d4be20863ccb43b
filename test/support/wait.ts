/**
 * Init side: waiting on other threads without blocking the event loop
 * (polling with a bound, a deadline on a promise, a short pause).
 */

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

/** Resolves after `ms` milliseconds: lets other threads and the event loop move on. */
export const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
