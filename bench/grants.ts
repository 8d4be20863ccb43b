/**
 * How the kipc tasks of a side get the handles init granted them (see
 * kipc-side.ts): init spawns a task, grants it handles to the objects it
 * shares (a channel end, a ring, semaphores) and publishes their values in
 * the task's row of a small SharedArrayBuffer; the task waits for its row.
 * A handle value means something only in the task it was granted to, so
 * each task has a row of its own. For tasks that are processes the board
 * is in a shared-memory object and waits are the OS futex (control.ts).
 */
import { createSharedBuffer } from '../src/backend/process.js';
import { futexOf } from '../src/backend/registry.js';

/** Words per row: how many handles (0 until published), then their values. */
const ROW_WORDS = 8;
/** Most handles one task can be given this way. */
export const MAX_GRANTS = ROW_WORDS - 1;

/** What a task of such a side finds in its `task.data`, besides its own fields. */
export interface GrantData {
  grants: SharedArrayBuffer;
  grantRow: number;
}

/** A board for `tasks` tasks, threads or (`processes`) processes. */
export function createGrantBoard(tasks: number, processes = false): SharedArrayBuffer {
  const bytes = tasks * ROW_WORDS * 4;
  return processes ? createSharedBuffer(bytes) : new SharedArrayBuffer(bytes);
}

/** Runner: publishes the handle values granted to the task of `row`. */
export function publishGrants(board: SharedArrayBuffer, row: number, handles: readonly number[]): void {
  if (handles.length > MAX_GRANTS) throw new Error(`bench: at most ${MAX_GRANTS} handles per task, not ${handles.length}`);
  const words = new Int32Array(board, row * ROW_WORDS * 4, ROW_WORDS);
  handles.forEach((handle, i) => (words[1 + i] = handle));
  Atomics.store(words, 0, handles.length);
  futexOf(board).wake(words, 0, 0x7fffffff);
}

/** Task: waits until init has published this task's handles, and returns them in the order granted. */
export function grantedHandles(data: GrantData, timeoutMs = 10_000): number[] {
  const words = new Int32Array(data.grants, data.grantRow * ROW_WORDS * 4, ROW_WORDS);
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(words, 0) === 0) {
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`bench: no handles granted within ${timeoutMs} ms`);
    futexOf(data.grants).wait(words, 0, 0, left);
  }
  return Array.from(words.subarray(1, 1 + words[0]!));
}
