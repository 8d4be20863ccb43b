/**
 * Task side: sleeping this thread (a real futex wait on a word nobody
 * notifies; a terminate interrupts it). Init never sleeps: see wait.ts.
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
