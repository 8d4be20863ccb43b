/**
 * The machine's floor for a cross-thread round trip: two workers bouncing a
 * counter through one SharedArrayBuffer (bench/floor-loop.ts), each spinning
 * as long as a kipc kernel of this run does, then sleeping in the thread
 * backend's futex (Atomics.wait): what kipc's figures would be if its kernel
 * work cost nothing. Role 'ping' times `rounds` rounds and writes their
 * median (µs per round trip) to the result slot; role 'pong' answers until
 * told to stop.
 */
import { workerData } from 'node:worker_threads';
import { threadBackend } from '../../src/backend/thread.js';
import { FLOOR_WORDS, pingRounds, pong, RESULT_OFFSET, type FloorFutex } from '../floor-loop.js';

const futex: FloorFutex = {
  sleep: (words, index, value, timeoutMs) => threadBackend.wait(words, index, value, timeoutMs),
  wake: (words, index) => threadBackend.wake(words, index, 1),
};

const { role, buffer, rounds, budgetMs, spin } = workerData as { role: 'ping' | 'pong'; buffer: SharedArrayBuffer; rounds: number; budgetMs: number; spin: number };
const words = new Int32Array(buffer, 0, FLOOR_WORDS);
if (role === 'pong') pong(futex, words, spin);
else new Float64Array(buffer, RESULT_OFFSET, 1)[0] = pingRounds(futex, words, rounds, budgetMs, spin);
