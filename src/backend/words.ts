/**
 * Atomic helpers over shared words, the same for every backend: setting a
 * flag, and spinning until a word changes. Spinning neither sleeps nor
 * wakes, so it needs no backend.
 */

/**
 * Sets `flag` in `words[word]` (a waiter announcing itself in a lock word,
 * whose releaser then wakes it), leaving the other bits as they are.
 */
export function raiseFlag(words: Int32Array, word: number, flag: number): void {
  for (;;) {
    const value = Atomics.load(words, word);
    if ((value & flag) !== 0 || Atomics.compareExchange(words, word, value, value | flag) === value) return;
  }
}

/** Iterations between two looks at the clock while spinning. */
const SPIN_CHUNK = 64;

/**
 * Spins until `words[word] !== value` or `micros` microseconds pass. True
 * when it changed. The budget is time, not iterations: an Atomics.load costs
 * from 1 to 10+ ns depending on the CPU and engine.
 */
export function spinUntilChanged(words: Int32Array, word: number, value: number, micros: number): boolean {
  return spinUntilEitherChanged(words, word, value, word, value, micros);
}

/** Spins until either word differs from its value, or `micros` microseconds pass. */
export function spinUntilEitherChanged(words: Int32Array, a: number, aValue: number, b: number, bValue: number, micros: number): boolean {
  if (micros <= 0) return Atomics.load(words, a) !== aValue || Atomics.load(words, b) !== bValue;
  const end = performance.now() + micros / 1000;
  for (;;) {
    for (let i = 0; i < SPIN_CHUNK; i++) {
      if (Atomics.load(words, a) !== aValue || Atomics.load(words, b) !== bValue) return true;
    }
    if (performance.now() >= end) return false;
  }
}
