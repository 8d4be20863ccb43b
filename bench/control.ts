/**
 * The control block shared by the bench runner (main thread) and the worker
 * that drives a benchmark side: a small SharedArrayBuffer of Int32 words and
 * two Float64 result slots. The runner bumps C_COMMAND to ask for one round;
 * the driver runs it, writes the result, and publishes the same number in
 * C_DONE. Waiting is a futex wait (synchronous in workers, asynchronous in
 * the runner), so an idle side costs nothing while the other side is
 * measured. A side whose tasks are processes has its block in a
 * shared-memory object (the process backend), which spawn data carries to
 * them, and sleeps in the OS futex: {@link Control.futex} is the one to use.
 */
import { createSharedBuffer } from '../src/backend/process.js';
import { futexOf } from '../src/backend/registry.js';
import type { Backend } from '../src/backend/backend.js';

/** Workers that have finished setting up (connected, bound, listening). */
export const C_READY = 0;
/** Sequence number of the round the runner asks for. */
export const C_COMMAND = 1;
/** Sequence number of the last round the driver finished. */
export const C_DONE = 2;
/** 1 once the side should shut down (published with a C_COMMAND bump). */
export const C_STOP = 3;
/** Time budget of a round, in microseconds. */
export const C_BUDGET_US = 4;
/** Driver → its peers (producers; the other 4x4 kipc consumers): sequence number of the burst to send, -1 to leave. */
export const C_PEER_GO = 5;
/** Driver → its peers (producers): how many items each is to send in the burst. */
export const C_PEER_COUNT = 6;

const WORDS = 16;
/** Float64 slot: the figure of the last round (µs per op, or messages per second). */
export const F_VALUE = 0;
/** Float64 slot: how many operations the last round did. */
export const F_OPS = 1;

export interface Control {
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly results: Float64Array;
  /** Whose wait and wake reach every party of the block: threads of this process, or processes. */
  readonly futex: Backend;
}

/** Wakes every party sleeping on `words[index]`. */
export function wakeWord(futex: Backend, words: Int32Array, index: number): void {
  futex.wake(words, index, 0x7fffffff);
}

export function controlOf(buffer: SharedArrayBuffer): Control {
  return { buffer, words: new Int32Array(buffer, 0, WORDS), results: new Float64Array(buffer, WORDS * 4, 2), futex: futexOf(buffer) };
}

/** A control block for a side whose parties are threads of this process, or (`processes`) processes too. */
export function createControl(processes = false): Control {
  const bytes = WORDS * 4 + 2 * 8;
  return controlOf(processes ? createSharedBuffer(bytes) : new SharedArrayBuffer(bytes));
}
