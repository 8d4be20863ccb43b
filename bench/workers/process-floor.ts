/**
 * The floor for a cross-process round trip: like workers/floor.ts, but the
 * two parties are processes mapping one shared-memory object (argv: role,
 * object name, rounds, budget ms, spin µs), sleeping in the OS futex. The
 * pinging process writes the median µs per round trip to the result slot.
 */
import { mapSharedObject, processBackend } from '../../src/backend/process.js';
import { FLOOR_WORDS, pingRounds, pong, RESULT_OFFSET, type FloorFutex } from '../floor-loop.js';

const futex: FloorFutex = {
  sleep: (words, index, value, timeoutMs) => processBackend.wait(words, index, value, timeoutMs),
  wake: (words, index) => processBackend.wake(words, index, 1),
};

const [role, shm, rounds, budgetMs, spin] = process.argv.slice(2);
const memory = mapSharedObject(shm!, 0);
const words = new Int32Array(memory.words.buffer, 0, FLOOR_WORDS);
if (role === 'pong') pong(futex, words, Number(spin));
else new Float64Array(memory.words.buffer, RESULT_OFFSET, 1)[0] = pingRounds(futex, words, Number(rounds), Number(budgetMs), Number(spin));
