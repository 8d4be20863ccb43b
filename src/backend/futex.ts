/**
 * The memory backend: the only module that knows how a waiter sleeps and how
 * it is woken. Here it is SharedArrayBuffer + Atomics.wait / notify /
 * waitAsync; a cross-process backend (a shared mapping and a native futex)
 * replaces this file without touching a kernel object.
 *
 * Protocol, used by every blocking kernel op:
 * - a waiter reads the futex word (and the words its condition depends on)
 *   while it checks its condition, spins for a bounded time watching them,
 *   then announces itself (raises a waiter counter, or a flag in the word its
 *   waker will next swap), re-checks its condition and sleeps on the value it
 *   read;
 * - a waker changes what the condition depends on, then looks at the
 *   counter or flag and, only when a waiter announced itself, bumps the
 *   futex word and notifies.
 * Both sides use sequentially consistent atomics, so either the waker sees
 * the announcement or the waiter's re-check sees the change: no lost wake-up.
 */

/** Result of a park. */
export const PARK_CHANGED = 0;
export const PARK_TIMED_OUT = 1;

/** Bumps a futex word and wakes every thread parked on it. */
export function bumpAndWake(words: Int32Array, word: number): void {
  Atomics.add(words, word, 1);
  Atomics.notify(words, word);
}

/**
 * Sets `flag` in `words[word]` (a waiter announcing itself in a lock word,
 * whose releaser then wakes it), leaving the other bits as they are.
 */
export function raiseFlag(words: Int32Array, word: number, flag: number): void {
  for (;;) {
    const value = Atomics.load(words, word);
    if ((value & flag) !== 0 || Atomics.compareExchange(words, word, value, value | flag) === value) return;
  }
}

const pauseWord = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps this thread for `ms` milliseconds (backing off from a busy lock). */
export function pause(ms: number): void {
  Atomics.wait(pauseWord, 0, 0, ms);
}

/**
 * Wakes up to `count` waiters of a futex word whose new value the caller has
 * already stored (with an SC store), if the counter says any are parked.
 */
export function wakeIfWaiting(words: Int32Array, word: number, waitersWord: number, count: number): void {
  if (Atomics.load(words, waitersWord) > 0) Atomics.notify(words, word, count);
}

/** Iterations between two looks at the clock while spinning. */
const SPIN_CHUNK = 64;

/**
 * Spins until `words[word] !== value` or `micros` microseconds pass. True
 * when it changed. The budget is time, not iterations: an Atomics.load costs
 * from 1 to 10+ ns depending on the CPU and engine.
 */
export function spinUntilChanged(words: Int32Array, word: number, value: number, micros: number): boolean {
  return spinUntilEitherChanged(words, word, value, word, value, micros);
}

/** Spins until either word differs from its value, or `micros` microseconds pass. */
export function spinUntilEitherChanged(words: Int32Array, a: number, aValue: number, b: number, bValue: number, micros: number): boolean {
  if (micros <= 0) return Atomics.load(words, a) !== aValue || Atomics.load(words, b) !== bValue;
  const end = performance.now() + micros / 1000;
  for (;;) {
    for (let i = 0; i < SPIN_CHUNK; i++) {
      if (Atomics.load(words, a) !== aValue || Atomics.load(words, b) !== bValue) return true;
    }
    if (performance.now() >= end) return false;
  }
}

/**
 * Sleeps while `words[word] === value`, for at most `timeoutMs` (Infinity for
 * no limit). The caller has already raised the waiter counter.
 */
export function sleep(words: Int32Array, word: number, value: number, timeoutMs: number): number {
  const r = Atomics.wait(words, word, value, timeoutMs);
  return r === 'timed-out' ? PARK_TIMED_OUT : PARK_CHANGED;
}

/**
 * Keeps the event loop of this thread alive while async waits are pending:
 * `Atomics.waitAsync` alone does not, so a task awaiting a message would
 * otherwise exit under its own feet.
 */
let pendingAsync = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function holdEventLoop(): void {
  if (pendingAsync++ === 0) keepAlive = setInterval(() => {}, 1 << 30);
}
function releaseEventLoop(): void {
  if (--pendingAsync === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/**
 * Sleeps asynchronously while `words[word] === value`, for at most
 * `timeoutMs`, or until `signal` aborts. Resolves PARK_CHANGED or
 * PARK_TIMED_OUT; an abort resolves PARK_CHANGED so that the caller re-checks
 * its condition and then its signal.
 *
 * A waiter abandoned by an abort may still be chosen by a later notify; that
 * wake-up is passed on to the next waiter so it is never lost.
 */
export function sleepAsync(
  words: Int32Array,
  word: number,
  value: number,
  timeoutMs: number,
  abort?: AbortSignal,
): Promise<number> | number {
  const r = Atomics.waitAsync(words, word, value, timeoutMs === Infinity ? undefined : timeoutMs);
  if (!r.async) return r.value === 'timed-out' ? PARK_TIMED_OUT : PARK_CHANGED;
  holdEventLoop();
  let holding = true;
  const release = (): void => {
    if (holding) {
      holding = false;
      releaseEventLoop();
    }
  };
  const woken = r.value.then((v) => {
    release();
    return v === 'timed-out' ? PARK_TIMED_OUT : PARK_CHANGED;
  });
  if (!abort) return woken;
  return new Promise<number>((resolve) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      // The abandoned waiter stays in the futex queue but no longer holds the
      // event loop; if a later notify picks it, the wake-up is handed on.
      release();
      resolve(PARK_CHANGED);
      void woken.then((v) => {
        if (v === PARK_CHANGED) Atomics.notify(words, word, 1);
      });
    };
    abort.addEventListener('abort', onAbort, { once: true });
    void woken.then((v) => {
      abort.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      resolve(v);
    });
  });
}
