/**
 * Sleeping this thread (a real futex wait on a word nobody notifies; a
 * terminate interrupts it), and polling while blocking it. Tasks use them;
 * init only where a test must keep its event loop from running (else
 * wait.ts).
 */

/** A word no one notifies. */
const word = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps this thread for `ms` milliseconds. */
export function sleepMs(ms: number): void {
  Atomics.wait(word, 0, 0, ms);
}

/** Task side: sleeps until told to go on forever (terminate ends it). */
export function sleepForever(): never {
  for (;;) Atomics.wait(word, 0, 0);
}

/** Polls `condition` every millisecond, blocking this thread, until it holds; throws after `timeoutMs`. */
export function pollUntil(condition: () => boolean, what: string, timeoutMs = 30_000): void {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`fixture: timed out waiting for ${what}`);
    sleepMs(1);
  }
}
