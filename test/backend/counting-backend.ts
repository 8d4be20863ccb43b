/**
 * A test backend: the thread backend's memory, with every wait and wake
 * counted in shared counters (one set per process, reached by every thread
 * through the memory it opens) and the wait/wake protocol asserted:
 *
 * - no wait without a prior announcement: when `wakeIfWaiting` finds the
 *   waiter counter at zero (the common case, where the thread backend wakes
 *   nobody), this backend wakes the word anyway; if that wakes a sleeper,
 *   the sleeper had not announced itself, and the wake it relied on would
 *   have been lost: counted as UNANNOUNCED, with the word;
 * - waits and wakes name a word of the memory, with a valid timeout/count
 *   (BAD_ARGUMENTS otherwise);
 * - waits end (WAITS_RETURNED, ASYNC_SETTLED), woken, changed or timed
 *   out, and wakes reach sleepers (WOKEN_BY_WAKES).
 *
 * Importing this module registers the backend in the importing thread;
 * kipc imports it first in every thread of a kernel created with it.
 *
 * Waits call the futex itself (rather than the thread backend's) so that a
 * wake-up, a changed word and a timeout are told apart.
 */
import type { Backend, SharedMemory, WaitResult } from '../../src/backend/backend.js';
import { WAIT_CHANGED, WAIT_TIMED_OUT } from '../../src/backend/backend.js';
import { holdEventLoop, releaseEventLoop, threadBackend } from '../../src/backend/thread.js';
import { registerBackend } from '../../src/backend/registry.js';

export const COUNTERS = [
  'OPENS',
  'WAITS',
  'WAITS_RETURNED',
  'WAIT_WOKEN',
  'WAIT_NOT_EQUAL',
  'WAIT_TIMED_OUT',
  'ASYNC_WAITS',
  'ASYNC_SETTLED',
  'ASYNC_WOKEN',
  'ASYNC_NOT_EQUAL',
  'ASYNC_TIMED_OUT',
  'ASYNC_ABORTED',
  'ABANDONED_PENDING',
  'WAKES',
  'WAKE_IF_WAITING',
  'WAKE_IF_WAITING_SKIPPED',
  'WOKEN_BY_WAKES',
  'UNANNOUNCED',
  'UNANNOUNCED_WORD',
  'BAD_ARGUMENTS',
  'PAUSES',
] as const;
export type CounterName = (typeof COUNTERS)[number];
export type Counts = Record<CounterName, number>;
const C = Object.fromEntries(COUNTERS.map((name, i) => [name, i])) as Record<CounterName, number>;

let counters: Int32Array | undefined;

function count(name: CounterName, by = 1): void {
  if (counters !== undefined) Atomics.add(counters, C[name], by);
}

/** This process's counts so far (undefined before any memory was allocated or opened here). */
export function counts(): Counts | undefined {
  if (counters === undefined) return undefined;
  const c = counters;
  return Object.fromEntries(COUNTERS.map((name, i) => [name, Atomics.load(c, i)])) as Counts;
}

function checkWord(words: Int32Array, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= words.length) count('BAD_ARGUMENTS');
}

interface CountingShare {
  region: unknown;
  counters: SharedArrayBuffer;
}

export const countingBackend: Backend = {
  name: 'counting',
  module: import.meta.url,

  allocate(byteLength: number): SharedMemory {
    counters ??= threadBackend.allocate(COUNTERS.length * 4).words;
    return threadBackend.allocate(byteLength);
  },

  share(memory: SharedMemory): unknown {
    const share: CountingShare = { region: threadBackend.share(memory), counters: counters!.buffer as SharedArrayBuffer };
    return share;
  },

  open(shared: unknown): SharedMemory {
    const share = shared as CountingShare;
    counters ??= new Int32Array(share.counters);
    count('OPENS');
    return threadBackend.open(share.region);
  },

  wait(words: Int32Array, index: number, value: number, timeoutMs: number): WaitResult {
    checkWord(words, index);
    if (!(timeoutMs >= 0)) count('BAD_ARGUMENTS');
    count('WAITS');
    const result = Atomics.wait(words, index, value, timeoutMs);
    count('WAITS_RETURNED');
    count(result === 'ok' ? 'WAIT_WOKEN' : result === 'not-equal' ? 'WAIT_NOT_EQUAL' : 'WAIT_TIMED_OUT');
    return result === 'timed-out' ? WAIT_TIMED_OUT : WAIT_CHANGED;
  },

  waitAsync(words: Int32Array, index: number, value: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> | WaitResult {
    checkWord(words, index);
    if (!(timeoutMs >= 0)) count('BAD_ARGUMENTS');
    count('ASYNC_WAITS');
    const r = Atomics.waitAsync(words, index, value, timeoutMs === Infinity ? undefined : timeoutMs);
    if (!r.async) {
      count('ASYNC_SETTLED');
      count(r.value === 'not-equal' ? 'ASYNC_NOT_EQUAL' : 'ASYNC_TIMED_OUT');
      return r.value === 'timed-out' ? WAIT_TIMED_OUT : WAIT_CHANGED;
    }
    holdEventLoop();
    let holding = true;
    const release = (): void => {
      if (!holding) return;
      holding = false;
      releaseEventLoop();
    };
    return new Promise<WaitResult>((resolve) => {
      let abandoned = false;
      const onAbort = (): void => {
        abandoned = true;
        count('ASYNC_ABORTED');
        count('ABANDONED_PENDING');
        release();
        resolve(WAIT_CHANGED);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void r.value.then((v) => {
        count('ASYNC_SETTLED');
        count(v === 'ok' ? 'ASYNC_WOKEN' : 'ASYNC_TIMED_OUT');
        if (abandoned) {
          count('ABANDONED_PENDING', -1);
          // A wake-up that reached an abandoned waiter goes to the next one.
          if (v === 'ok') count('WOKEN_BY_WAKES', Atomics.notify(words, index, 1));
          return;
        }
        signal?.removeEventListener('abort', onAbort);
        release();
        resolve(v === 'timed-out' ? WAIT_TIMED_OUT : WAIT_CHANGED);
      });
    });
  },

  wake(words: Int32Array, index: number, wakeCount: number): number {
    checkWord(words, index);
    if (!(wakeCount >= 1)) count('BAD_ARGUMENTS');
    count('WAKES');
    const woken = threadBackend.wake(words, index, wakeCount);
    count('WOKEN_BY_WAKES', woken);
    return woken;
  },

  wakeIfWaiting(words: Int32Array, index: number, waitersIndex: number, wakeCount: number): number {
    checkWord(words, index);
    checkWord(words, waitersIndex);
    count('WAKE_IF_WAITING');
    if (Atomics.load(words, waitersIndex) > 0) {
      const woken = Atomics.notify(words, index, wakeCount);
      count('WOKEN_BY_WAKES', woken);
      return woken;
    }
    count('WAKE_IF_WAITING_SKIPPED');
    // Nobody announced: nobody may be asleep here. Look.
    const woken = Atomics.notify(words, index, wakeCount);
    if (woken > 0 && counters !== undefined && Atomics.load(counters, C.ABANDONED_PENDING) === 0) {
      count('UNANNOUNCED', woken);
      Atomics.store(counters, C.UNANNOUNCED_WORD, index);
    }
    count('WOKEN_BY_WAKES', woken);
    return woken;
  },

  pause(ms: number): void {
    count('PAUSES');
    threadBackend.pause(ms);
  },
};

registerBackend(countingBackend);
