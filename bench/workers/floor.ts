/**
 * The machine's floor for a cross-thread round trip: two workers bouncing a
 * counter through one SharedArrayBuffer, each spinning as long as a kipc
 * kernel of this run does (its `spin` microseconds, with kipc's own spin
 * loop), then sleeping in Atomics.wait. The same waiting strategy with no kernel, queue or lock: what
 * kipc's figures would be if its kernel work cost nothing. Role 'ping' times `rounds` rounds and writes their median (µs per
 * round trip) to the result slot; role 'pong' answers until told to stop.
 */
import { workerData } from 'node:worker_threads';
import { spinUntilChanged } from '../../src/backend/words.js';

const PING = 0;
const PONG = 1;

function waitChange(words: Int32Array, index: number, value: number): number {
  if (!spinUntilChanged(words, index, value, spin)) Atomics.wait(words, index, value, 100);
  return Atomics.load(words, index);
}

function pingRound(words: Int32Array, budgetMs: number): number {
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < 1000; i++) {
      n++;
      Atomics.store(words, PING, n);
      Atomics.notify(words, PING);
      while (waitChange(words, PONG, n - 1) !== n);
    }
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return (elapsed * 1000) / n;
}

function pong(words: Int32Array): void {
  let seen = 0;
  for (;;) {
    seen = waitChange(words, PING, seen);
    if (seen < 0) return;
    Atomics.store(words, PONG, seen);
    Atomics.notify(words, PONG);
  }
}

/** Microseconds of spinning before sleeping: the spin of the kipc kernels of this run. */
const { role, buffer, rounds, budgetMs, spin } = workerData as { role: 'ping' | 'pong'; buffer: SharedArrayBuffer; rounds: number; budgetMs: number; spin: number };
const words = new Int32Array(buffer, 0, 2);
if (role === 'pong') {
  pong(words);
} else {
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) results.push(pingRound(words, budgetMs));
  results.sort((a, b) => a - b);
  new Float64Array(buffer, 8, 1)[0] = results[Math.floor(results.length / 2)]!;
  Atomics.store(words, PING, -1);
  Atomics.notify(words, PING);
}
