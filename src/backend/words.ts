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

/**
 * Whether the CPU keeps x86's memory order (TSO): stores become visible in
 * program order, and no load is performed before an earlier locked
 * instruction (every Atomics store and read-modify-write is one). There a
 * plain store is already a release store, and a plain load after an
 * Atomics store or read-modify-write already an ordered one; elsewhere
 * (Arm, or a browser, which does not say) the Atomics forms are needed.
 * An Atomics call costs about 8 ns in V8 where a plain access costs under
 * one (`node dist/bench/queue-floor.js` measures both), and the hot paths
 * make several per message. (V8 keeps plain typed-array accesses in
 * program order around Atomics calls.)
 */
export const STRONGLY_ORDERED = typeof process === 'object' && process !== null && (process.arch === 'x64' || process.arch === 'ia32');

/** Loads `words[word]`, ordered after the caller's last Atomics store or read-modify-write. */
export function loadAfterAtomic(words: Int32Array, word: number): number {
  return STRONGLY_ORDERED ? words[word]! : Atomics.load(words, word);
}

/** Stores `value` in `words[word]`, visible only after every store before it. */
export function storeRelease(words: Int32Array, word: number, value: number): void {
  if (STRONGLY_ORDERED) words[word] = value;
  else Atomics.store(words, word, value);
}
