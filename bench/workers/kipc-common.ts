/**
 * Helpers for kipc task workers of the benchmarks.
 */
import { type Message, NotFoundError, type Port, type Task } from '../../src/index.js';
import { sleepMs, type RoundResult } from './driver.js';

/** Message type that tells a bench server to leave. */
export const STOP_TYPE = 99;
/** Message type of a bench request. */
export const REQUEST_TYPE = 1;
/** Message type of a call asking a bench sink how many messages it has had. */
export const COUNT_TYPE = 2;

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

/** Calls between two looks at the clock. */
const CALL_BATCH = 256;

/**
 * Calls the echo server behind `port` for `budgetMs` (sync `port.call`,
 * reusing `request` and `reply`), checking every answer. Returns µs per call.
 */
export function timeCalls(port: Port, request: Message, reply: Message, budgetMs: number): RoundResult {
  const options = { into: reply };
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < CALL_BATCH; i++) {
      request.setU32(0, n);
      port.call(request, options);
      if (reply.getU32(0) !== n + 1) throw new Error(`bench: echo answered ${reply.getU32(0)} to ${n}`);
      n++;
    }
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: (elapsed * 1000) / n, ops: n };
}
