/**
 * The floor's ping-pong loop (bench/floor.ts): two parties bouncing a
 * counter through two words, each spinning `spin` µs with kipc's own spin
 * loop before it sleeps. `sleep` and `wake` are the futex of the place the
 * parties live in: Atomics for threads, the OS futex for processes. As in
 * the kernel, a party counts itself in SLEEPERS before it sleeps, and a
 * wake is made only when someone may sleep (a wake of the OS futex is a
 * system call even when nobody waits).
 */
import { spinUntilChanged } from '../src/backend/words.js';

export const PING = 0;
export const PONG = 1;
const SLEEPERS = 2;
/** The loop's words, then (8-aligned) the ping party's result: a Float64 at RESULT_OFFSET. */
export const FLOOR_WORDS = 3;
export const RESULT_OFFSET = 16;
export const FLOOR_BYTES = RESULT_OFFSET + 8;

export interface FloorFutex {
  sleep(words: Int32Array, index: number, value: number, timeoutMs: number): unknown;
  wake(words: Int32Array, index: number): unknown;
}

function waitChange(futex: FloorFutex, words: Int32Array, index: number, value: number, spin: number): number {
  if (!spinUntilChanged(words, index, value, spin)) {
    Atomics.add(words, SLEEPERS, 1);
    futex.sleep(words, index, value, 100);
    Atomics.sub(words, SLEEPERS, 1);
  }
  return Atomics.load(words, index);
}

function wakeIfSleeping(futex: FloorFutex, words: Int32Array, index: number): void {
  if (Atomics.load(words, SLEEPERS) > 0) futex.wake(words, index);
}

/** One round of about `budgetMs` as the pinging party: µs per round trip. */
export function pingRound(futex: FloorFutex, words: Int32Array, budgetMs: number, spin: number): number {
  let n = Atomics.load(words, PING);
  const first = n;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < 1000; i++) {
      n++;
      Atomics.store(words, PING, n);
      wakeIfSleeping(futex, words, PING);
      while (waitChange(futex, words, PONG, n - 1, spin) !== n);
    }
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return (elapsed * 1000) / (n - first);
}

/** The answering party: echoes every ping until PING goes negative. */
export function pong(futex: FloorFutex, words: Int32Array, spin: number): void {
  let seen = 0;
  for (;;) {
    seen = waitChange(futex, words, PING, seen, spin);
    if (seen < 0) return;
    Atomics.store(words, PONG, seen);
    wakeIfSleeping(futex, words, PONG);
  }
}

/**
 * The pinging party's whole run: a warm-up round (it also waits for the
 * other party to start, and compiles the loop), then `rounds` rounds, their
 * median; then tells the other to stop.
 */
export function pingRounds(futex: FloorFutex, words: Int32Array, rounds: number, budgetMs: number, spin: number): number {
  pingRound(futex, words, budgetMs, spin);
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) results.push(pingRound(futex, words, budgetMs, spin));
  results.sort((a, b) => a - b);
  Atomics.store(words, PING, -1);
  futex.wake(words, PING);
  return results[Math.floor(results.length / 2)]!;
}
