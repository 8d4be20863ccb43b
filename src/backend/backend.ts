/**
 * The memory backend: where a kernel's shared memory comes from, how a
 * waiter sleeps on one of its words and how it is woken. A kernel chooses
 * one when it is created ({@link Backend} in `Kernel.create({ backend })`)
 * and every thread attached to it uses the same one, found by name in
 * ./registry.ts. Nothing outside this folder allocates shared memory or
 * calls `Atomics.wait`, `Atomics.notify` or `Atomics.waitAsync`
 * (scripts/lint-layers.mjs checks it), so a backend for another kind of
 * task (an OS process mapping the region) is a new file here.
 *
 * The protocol every blocking kernel operation follows:
 * - a waiter reads the futex word (and the words its condition depends on)
 *   while it checks its condition, spins for a bounded time watching them,
 *   then announces itself (raises a waiter counter, or a flag in the word
 *   its waker will next swap), re-checks its condition and sleeps on the
 *   value it read;
 * - a waker changes what the condition depends on, then looks at the
 *   counter or flag and, only when a waiter announced itself, bumps the
 *   futex word and wakes.
 * Both sides use sequentially consistent atomics, so either the waker sees
 * the announcement or the waiter's re-check sees the change: no lost wake-up.
 */

/** One shared buffer, seen as 32-bit words and as bytes (both from offset 0). */
export interface SharedMemory {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
}

/** How a kernel's memory is published, for backends whose memory other processes can open (the process backend). */
export interface AllocateOptions {
  /** The name under which other processes find the memory. */
  name?: string;
  /** Who may open it: permission bits (default 0o600, the owner only). */
  mode?: number;
}

/** What a wait ends with: the word changed or the waiter was woken (re-check), or the timeout passed. */
export const WAIT_CHANGED = 0;
export const WAIT_TIMED_OUT = 1;
export type WaitResult = typeof WAIT_CHANGED | typeof WAIT_TIMED_OUT;

/**
 * A backend's waitAsync with an AbortSignal: `woken`, or WAIT_CHANGED as
 * soon as `signal` aborts (the caller re-checks its condition, then its
 * signal); `abandon` then runs once, given `woken`, to let go of the wait
 * left behind (so that it neither holds the event loop nor swallows a
 * wake-up meant for another waiter).
 */
export function abortableWait(woken: Promise<WaitResult>, signal: AbortSignal, abandon: (woken: Promise<WaitResult>) => void): Promise<WaitResult> {
  return new Promise<WaitResult>((resolve) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      resolve(WAIT_CHANGED);
      abandon(woken);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void woken.then((v) => {
      signal.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      resolve(v);
    });
  });
}

export interface Backend {
  /** The name under which every thread of a kernel finds this backend (./registry.ts). */
  readonly name: string;
  /**
   * For a backend that is not built in: the URL of the ES module that
   * defines it and registers it (registerBackend) when imported. kipc
   * imports it first in every thread it starts for the kernel (the
   * supervisor and each task), so that they find the backend by name.
   */
  readonly module?: string;
  /**
   * Allocates `byteLength` bytes of zeroed shared memory (a multiple of 4).
   * Throws RangeError when the platform cannot; TypeError for a `name` (or
   * `mode`) when the backend's memory cannot have one.
   */
  allocate(byteLength: number, options?: AllocateOptions): SharedMemory;
  /** A structured-cloneable description of `memory`, from which {@link open} maps it in another thread. */
  share(memory: SharedMemory): unknown;
  /** Maps memory described by {@link share}. Throws TypeError for anything else. */
  open(shared: unknown): SharedMemory;
  /**
   * Sleeps while `words[index] === value`, for at most `timeoutMs`
   * (Infinity: no limit). Returns at once with WAIT_CHANGED when the word
   * differs already. The waiter has announced itself first.
   */
  wait(words: Int32Array, index: number, value: number, timeoutMs: number): WaitResult;
  /**
   * {@link wait} without blocking the thread: settles when woken, when the
   * timeout passes, or (with WAIT_CHANGED, so that the caller re-checks its
   * condition and then its signal) when `signal` aborts. A pending wait
   * keeps the thread's event loop alive. A wake-up that reaches a waiter
   * already abandoned by its abort is passed on to the next waiter.
   */
  waitAsync(words: Int32Array, index: number, value: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> | WaitResult;
  /** Wakes up to `count` threads sleeping on `words[index]`; returns how many it woke. */
  wake(words: Int32Array, index: number, count: number): number;
  /**
   * Wakes up to `count` sleepers of `words[index]` (whose new value the
   * caller has stored) if the waiter counter `words[waitersIndex]` says any
   * announced themselves; otherwise does nothing, which is the common case
   * and costs one load. Returns how many it woke.
   */
  wakeIfWaiting(words: Int32Array, index: number, waitersIndex: number, count: number): number;
  /** Sleeps this thread for `ms` milliseconds (backing off from a busy lock). */
  pause(ms: number): void;
  /**
   * For a backend whose waits V8 cannot interrupt (a native system call):
   * called with a worker's threadId right after `worker.terminate()`, wakes
   * that thread out of its wait and makes its later waits return at once,
   * so that its JavaScript can be stopped. Backends built on `Atomics.wait`
   * need none.
   */
  interruptThread?(threadId: number): void;
  /**
   * For a backend whose memory has a name others can open: the kernel that
   * allocated `memory` is closed, so the name goes (mappings stay valid
   * until unmapped). Nothing for memory this thread did not allocate.
   */
  release?(memory: SharedMemory): void;
  /**
   * For a backend whose memory outlives the process that allocated it: when
   * OS process `pid` exits, sets word `flagIndex` of `memory` to 1 and ends
   * every wait of this process on `memory` (as a spurious wake-up, within a
   * bounded time), even while this process's JavaScript is blocked.
   */
  watchCreator?(memory: SharedMemory, flagIndex: number, pid: number): void;
}
