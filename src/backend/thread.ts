/**
 * The thread backend: the tasks of a kernel are threads of one process.
 * The memory is a SharedArrayBuffer (cloned to a worker by reference), and
 * waits and wakes are `Atomics.wait`, `Atomics.waitAsync` and
 * `Atomics.notify`, V8's futex, which wakes threads of this process only.
 */
import { abortableWait, WAIT_CHANGED, WAIT_TIMED_OUT, type AllocateOptions, type Backend, type SharedMemory, type WaitResult } from './backend.js';

function memoryOver(buffer: SharedArrayBuffer): SharedMemory {
  return { words: new Int32Array(buffer), bytes: new Uint8Array(buffer) };
}

/**
 * Keeps the event loop of this thread alive while async waits are pending:
 * `Atomics.waitAsync` alone does not, so a task awaiting a message would
 * otherwise exit under its own feet. Every hold is released exactly once.
 * (Exported for backends that wait with `Atomics.waitAsync` themselves.)
 */
let pendingAsync = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

/** Whether a timer handle can be ref'd and unref'd (Node's and Bun's can; a number, as in Deno and browsers, cannot). */
function refable(timer: unknown): timer is { ref(): void; unref(): void } {
  return typeof timer === 'object' && timer !== null && typeof (timer as { unref?: unknown }).unref === 'function';
}

export function holdEventLoop(): void {
  if (pendingAsync++ !== 0) return;
  // Where it can, one timer made once and then only ref'd and unref'd: a wait costs no timer of its own.
  if (refable(keepAlive)) keepAlive.ref();
  else keepAlive = setInterval(() => {}, 1 << 30);
}
export function releaseEventLoop(): void {
  if (--pendingAsync !== 0 || keepAlive === undefined) return;
  if (refable(keepAlive)) {
    keepAlive.unref();
  } else {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

let pauseWord: Int32Array | undefined;

function waitAsync(words: Int32Array, index: number, value: number, timeoutMs: number, abort?: AbortSignal): Promise<WaitResult> | WaitResult {
  const r = Atomics.waitAsync(words, index, value, timeoutMs === Infinity ? undefined : timeoutMs);
  if (!r.async) return r.value === 'timed-out' ? WAIT_TIMED_OUT : WAIT_CHANGED;
  holdEventLoop();
  let holding = true;
  const release = (): void => {
    if (holding) {
      holding = false;
      releaseEventLoop();
    }
  };
  const woken = r.value.then((v): WaitResult => {
    release();
    return v === 'timed-out' ? WAIT_TIMED_OUT : WAIT_CHANGED;
  });
  if (!abort) return woken;
  return abortableWait(woken, abort, (abandoned) => {
    // The abandoned waiter stays in the futex queue but no longer holds the
    // event loop; if a later notify picks it, the wake-up is handed on.
    release();
    void abandoned.then((v) => {
      if (v === WAIT_CHANGED) Atomics.notify(words, index, 1);
    });
  });
}

export const threadBackend: Backend = {
  name: 'thread',
  allocate(byteLength: number, options: AllocateOptions = {}): SharedMemory {
    if (options.name !== undefined || options.mode !== undefined) throw new TypeError('kipc: a kernel of worker threads has no name or mode; processes find a kernel through the process backend');
    return memoryOver(new SharedArrayBuffer(byteLength));
  },
  share(memory: SharedMemory): unknown {
    return memory.words.buffer;
  },
  open(shared: unknown): SharedMemory {
    if (!(shared instanceof SharedArrayBuffer)) throw new TypeError('kipc: the thread backend opens a SharedArrayBuffer');
    return memoryOver(shared);
  },
  wait(words: Int32Array, index: number, value: number, timeoutMs: number): WaitResult {
    return Atomics.wait(words, index, value, timeoutMs) === 'timed-out' ? WAIT_TIMED_OUT : WAIT_CHANGED;
  },
  waitAsync,
  wake(words: Int32Array, index: number, count: number): number {
    return Atomics.notify(words, index, count);
  },
  wakeIfWaiting(words: Int32Array, index: number, waitersIndex: number, count: number): number {
    return Atomics.load(words, waitersIndex) > 0 ? Atomics.notify(words, index, count) : 0;
  },
  pause(ms: number): void {
    pauseWord ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(pauseWord, 0, 0, ms);
  },
};
