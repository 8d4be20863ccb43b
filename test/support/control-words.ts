/**
 * Control words: a block of Int32 words in a SharedArrayBuffer that init
 * and tasks both read and write with atomics (init grants a handle and
 * stores its value in a word the task waits on; tasks report counts and
 * errnos in others). Task side waits synchronously (a futex wait); init
 * side polls (waitFor) without blocking its event loop.
 *
 * With tasks as processes (KIPC_TEST_TASKS=process, ./kernel.ts) the block
 * lives in a shared-memory object, which spawn data carries to a process
 * task as the same memory, and waits and wakes on it are the OS futex,
 * which reaches every process; otherwise it is a plain SharedArrayBuffer
 * and Atomics.wait/notify.
 */
import { createSharedBuffer } from '../../src/backend/process.js';
import { futexOf } from '../../src/backend/registry.js';
import { TASKS_AS_PROCESSES } from './kernel.js';

/** `bytes` of shared memory every task of the test's kernels can be given in its spawn data, threads or processes. */
export function sharedBuffer(bytes: number): SharedArrayBuffer {
  return TASKS_AS_PROCESSES ? createSharedBuffer(bytes) : new SharedArrayBuffer(bytes);
}

/** A block of control words shared between init and tasks. */
export function controlWords(count: number): Int32Array {
  return new Int32Array(sharedBuffer(count * 4));
}

function wake(words: Int32Array, index: number): void {
  futexOf(words.buffer).wake(words, index, 0x7fffffff);
}

/** Stores `value` at `index` and wakes any task waiting on that word. */
export function setWord(words: Int32Array, index: number, value: number): void {
  Atomics.store(words, index, value);
  wake(words, index);
}

/** Adds `delta` at `index`, wakes waiters, returns the new value. */
export function addWord(words: Int32Array, index: number, delta: number): number {
  const v = Atomics.add(words, index, delta) + delta;
  wake(words, index);
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
    futexOf(words.buffer).wait(words, index, unlike, left);
  }
}
