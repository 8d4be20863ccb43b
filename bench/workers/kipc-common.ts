/**
 * Helpers for kipc task workers of the benchmarks.
 */
import { NotFoundError, type Port, type Task } from '../../src/index.js';
import { sleepMs } from './driver.js';

/** Message type that tells a bench server to leave. */
export const STOP_TYPE = 99;
/** Message type of a bench request. */
export const REQUEST_TYPE = 1;

/** Connects to `path`, waiting (up to `timeoutMs`) for the server to bind it. */
export function connectWhenBound(task: Task, path: string, timeoutMs = 10_000): Port {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return task.connect(path);
    } catch (error) {
      if (!(error instanceof NotFoundError) || performance.now() > deadline) throw error;
      sleepMs(1);
    }
  }
}
