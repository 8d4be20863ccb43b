/**
 * Control words: a block of Int32 words in a SharedArrayBuffer that init
 * and tasks both read and write with atomics (init grants a handle and
 * stores its value in a word the task waits on; tasks report counts and
 * errnos in others). Task side waits synchronously (Atomics.wait); init
 * side polls (waitFor) without blocking its event loop.
 */

/** A block of control words shared between init and tasks. */
export function controlWords(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(count * 4));
}

/** Stores `value` at `index` and wakes any task waiting on that word. */
export function setWord(words: Int32Array, index: number, value: number): void {
  Atomics.store(words, index, value);
  Atomics.notify(words, index);
}

/** Adds `delta` at `index`, wakes waiters, returns the new value. */
export function addWord(words: Int32Array, index: number, delta: number): number {
  const v = Atomics.add(words, index, delta) + delta;
  Atomics.notify(words, index);
  return v;
}

/**
 * Task side: sleeps until `words[index] !== unlike` (a real futex wait; a
 * terminate interrupts it). Throws after `timeoutMs` so that a fixture never
 * outlives a failed test by much.
 */
export function awaitWordChange(words: Int32Array, index: number, unlike = 0, timeoutMs = 60_000): number {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = Atomics.load(words, index);
    if (v !== unlike) return v;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`fixture: word ${index} stayed ${unlike} for ${timeoutMs} ms`);
    Atomics.wait(words, index, unlike, left);
  }
}
