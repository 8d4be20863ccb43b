/**
 * Worker side of the control block (see ../control.ts): report ready, then
 * run one round per command from the runner until told to stop. A side's
 * round function does the timing itself, inside this thread, and returns its
 * figure; nothing crosses threads while a round is being timed.
 */
import { type Control, C_BUDGET_US, C_COMMAND, C_DONE, C_READY, C_STOP, F_OPS, F_VALUE, wakeWord } from '../control.js';

export interface RoundResult {
  /** µs per operation, or messages per second: whatever the benchmark's unit is. */
  value: number;
  ops: number;
}

export function reportReady(control: Control): void {
  Atomics.add(control.words, C_READY, 1);
  wakeWord(control.futex, control.words, C_READY);
}

function finish(control: Control, sequence: number, result: RoundResult): void {
  control.results[F_VALUE] = result.value;
  control.results[F_OPS] = result.ops;
  Atomics.store(control.words, C_DONE, sequence);
  wakeWord(control.futex, control.words, C_DONE);
}

/** For sides whose rounds block the thread (kipc sync calls): waits with the control's futex. */
export function driveSync(control: Control, round: (budgetMs: number) => RoundResult): void {
  const words = control.words;
  let seen = 0;
  for (;;) {
    control.futex.wait(words, C_COMMAND, seen, Infinity);
    seen = Atomics.load(words, C_COMMAND);
    if (Atomics.load(words, C_STOP) !== 0) return;
    finish(control, seen, round(Atomics.load(words, C_BUDGET_US) / 1000));
  }
}

/** For sides that need their event loop during a round (postMessage): waits with Atomics.waitAsync. */
export async function driveAsync(control: Control, round: (budgetMs: number) => Promise<RoundResult>): Promise<void> {
  const words = control.words;
  let seen = 0;
  for (;;) {
    const waited = Atomics.waitAsync(words, C_COMMAND, seen);
    if (waited.async) {
      // waitAsync does not keep a worker alive on its own.
      const keepAlive = setInterval(() => {}, 1 << 30);
      await waited.value;
      clearInterval(keepAlive);
    }
    seen = Atomics.load(words, C_COMMAND);
    if (Atomics.load(words, C_STOP) !== 0) return;
    finish(control, seen, await round(Atomics.load(words, C_BUDGET_US) / 1000));
  }
}

/** Blocks this thread for `ms` milliseconds (workers only). */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
