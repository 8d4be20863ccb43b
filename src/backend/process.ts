/**
 * The process backend: the kernel region is a POSIX shared-memory object
 * (`/dev/shm/kipc.*` on Linux) that every participating process maps, and
 * JavaScript sees it as a SharedArrayBuffer over the mapping, so the
 * kernel runs on it unchanged. Waits and wakes are the OS futex on the
 * mapped words (native/kipc_process.cc), which wakes sleepers in any
 * process: unlike `Atomics.wait`/`Atomics.notify`, which reach only the
 * threads of one process. Every thread of every process attached to such a
 * kernel sleeps and wakes through it, so the wait/wake protocol of
 * ./backend.ts holds across processes.
 *
 * Needs the native part (./native.ts): without it every method throws
 * ProcessesUnavailableError.
 */
import { abortableWait, WAIT_CHANGED, WAIT_TIMED_OUT, type AllocateOptions, type Backend, type SharedMemory, type WaitResult } from './backend.js';
import { readdirSync } from 'node:fs';
import { nativeProcess } from './native.js';

/** How a process finds a region of this backend: its shared object's name and size. */
export interface ProcessMemoryShare {
  readonly shm: string;
  readonly bytes: number;
}

/** The shared objects this process created or opened, by the buffer over each mapping. */
const names = new WeakMap<SharedArrayBuffer, string>();

/** Characters a kernel name may have: it becomes part of a file name in /dev/shm. */
const KERNEL_NAME = /^[A-Za-z0-9_.-]{1,200}$/;

/** The shared object's name for a kernel named `name`. Throws TypeError for a name that cannot be one. */
export function sharedObjectName(name: string): string {
  if (typeof name !== 'string' || !KERNEL_NAME.test(name)) throw new TypeError(`kipc: a kernel name is 1 to 200 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`);
  return `/kipc.${name}`;
}

/** Where Linux shows POSIX shared-memory objects (a name '/x' is the file 'x' there). */
const SHM_DIRECTORY = '/dev/shm';
const ANONYMOUS = /^kipc\.anon\.(\d+)\.[0-9a-f]+$/;

/** The name of an anonymous kernel's object: its creator's OS pid and random bits. */
function anonymousName(): string {
  const bits = new Uint32Array(2);
  crypto.getRandomValues(bits);
  return `/kipc.anon.${process.pid}.${bits[0]!.toString(16)}${bits[1]!.toString(16)}`;
}

/**
 * Removes the anonymous objects whose creator no longer exists: a creator
 * that was killed (SIGKILL runs no exit handler) leaves its object behind,
 * and the next kernel created on the machine takes it away.
 */
function sweepAbandoned(): void {
  let files: string[];
  try {
    files = readdirSync(SHM_DIRECTORY);
  } catch {
    return;
  }
  const native = nativeProcess('kipc process backend');
  for (const file of files) {
    const creator = ANONYMOUS.exec(file)?.[1];
    if (creator !== undefined && !native.processAlive(Number(creator))) native.unlinkShared(`/${file}`);
  }
}

/** The objects this process created and has not released: their names go when it exits. */
const created = new Set<string>();
let unlinkAtExit = false;

function remember(shm: string): void {
  created.add(shm);
  if (unlinkAtExit) return;
  unlinkAtExit = true;
  process.once('exit', () => {
    for (const name of created) nativeProcess('kipc process backend').unlinkShared(name);
  });
}

function memoryOver(buffer: SharedArrayBuffer, shm: string): SharedMemory {
  names.set(buffer, shm);
  return { words: new Int32Array(buffer), bytes: new Uint8Array(buffer) };
}

/**
 * Maps the shared object `shm` (from {@link ProcessMemoryShare}). Throws
 * Error with `code` ENOENT (no such kernel) or EACCES (no permission).
 */
export function mapSharedObject(shm: string, bytes: number): SharedMemory {
  const buffer = nativeProcess('kipc process backend').mapShared(shm, 0, false, 0);
  if (bytes !== 0 && buffer.byteLength !== bytes) throw new Error(`kipc: the shared object ${shm} is ${buffer.byteLength} bytes, not the ${bytes} of the kernel`);
  return memoryOver(buffer, shm);
}

/** The shared object under `memory` (mapped by this backend). */
export function sharedObjectOf(memory: SharedMemory): string {
  const shm = names.get(memory.words.buffer as SharedArrayBuffer);
  if (shm === undefined) throw new TypeError('kipc: this memory was not mapped by the process backend');
  return shm;
}

/** Removes the shared object's name: processes that mapped it keep it, none can open it any more. Whether it existed. */
export function unlinkSharedObject(shm: string): boolean {
  return nativeProcess('kipc process backend').unlinkShared(shm);
}

/** Largest buffer {@link createSharedBuffer} makes: 1 GiB. */
const MAX_SHARED_BUFFER_BYTES = 2 ** 30;

/**
 * A SharedArrayBuffer of `bytes` (zeroed) that other processes can map: a
 * new anonymous shared object, owner-only, whose name goes when this
 * process exits (or, if it is killed, with the next kernel created on the
 * machine). Hand its {@link shareOfBuffer} to another process, which maps
 * it with {@link mapSharedBuffer}. Wait and wake on its words with
 * {@link processBackend}, whose futex reaches every process. Throws
 * RangeError for a size out of 1..2^30, ProcessesUnavailableError without
 * the native part.
 */
export function createSharedBuffer(bytes: number): SharedArrayBuffer {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_SHARED_BUFFER_BYTES) throw new RangeError(`kipc: a shared buffer is 1 to ${MAX_SHARED_BUFFER_BYTES} bytes, got ${String(bytes)}`);
  const shm = anonymousName();
  const buffer = nativeProcess('kipc shared buffers').mapShared(shm, bytes, true, 0o600);
  remember(shm);
  names.set(buffer, shm);
  return buffer;
}

/** How another process maps `buffer`, if it lives in a shared object (made or mapped by this backend); otherwise undefined. */
export function shareOfBuffer(buffer: SharedArrayBuffer): ProcessMemoryShare | undefined {
  const shm = names.get(buffer);
  return shm === undefined ? undefined : { shm, bytes: buffer.byteLength };
}

/**
 * Removes the name of a buffer made here by {@link createSharedBuffer}
 * (before this process exits): whoever mapped it keeps the memory, nobody
 * can map it any more. Whether it had a name to remove.
 */
export function releaseSharedBuffer(buffer: SharedArrayBuffer): boolean {
  const shm = names.get(buffer);
  return shm !== undefined && created.delete(shm) && unlinkSharedObject(shm);
}

/** Maps the buffer another process described with {@link shareOfBuffer}. Throws as {@link mapSharedObject}. */
export function mapSharedBuffer(share: ProcessMemoryShare): SharedArrayBuffer {
  return mapSharedObject(share.shm, share.bytes).words.buffer as SharedArrayBuffer;
}

let pauseWord: Int32Array | undefined;

function waitAsync(words: Int32Array, index: number, value: number, timeoutMs: number, abort?: AbortSignal): Promise<WaitResult> | WaitResult {
  if (Atomics.load(words, index) !== value) return WAIT_CHANGED;
  const native = nativeProcess('kipc process backend');
  const woken = native.waitAsync(words, index, value, timeoutMs === Infinity ? -1 : timeoutMs).then((r): WaitResult => (r === 1 ? WAIT_TIMED_OUT : WAIT_CHANGED));
  if (!abort) return woken;
  // Our waiting thread must end (it keeps the event loop alive): wake every
  // sleeper of the word. The others re-check their condition and sleep
  // again, as after any spurious wake-up.
  return abortableWait(woken, abort, () => native.wake(words, index, 0x7fffffff));
}

export const processBackend: Backend = {
  name: 'process',
  allocate(byteLength: number, options: AllocateOptions = {}): SharedMemory {
    const native = nativeProcess('Kernel.create');
    const shm = options.name === undefined ? anonymousName() : sharedObjectName(options.name);
    const mode = options.mode ?? 0o600;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw new RangeError(`Kernel.create: mode must be permission bits from 0 to 0o777, got ${String(mode)}`);
    sweepAbandoned();
    try {
      const memory = memoryOver(native.mapShared(shm, byteLength, true, mode), shm);
      remember(shm);
      return memory;
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') {
        throw new Error(`Kernel.create: a kernel named '${options.name}' exists already on this machine (${shm} in /dev/shm)`, { cause: error });
      }
      throw error;
    }
  },
  share(memory: SharedMemory): ProcessMemoryShare {
    return { shm: sharedObjectOf(memory), bytes: memory.bytes.byteLength };
  },
  open(shared: unknown): SharedMemory {
    const share = shared as ProcessMemoryShare | null;
    if (typeof share !== 'object' || share === null || typeof share.shm !== 'string' || typeof share.bytes !== 'number') {
      throw new TypeError('kipc: the process backend opens { shm, bytes }');
    }
    return mapSharedObject(share.shm, share.bytes);
  },
  wait(words: Int32Array, index: number, value: number, timeoutMs: number): WaitResult {
    return nativeProcess('kipc process backend').wait(words, index, value, timeoutMs === Infinity ? -1 : timeoutMs) === 1 ? WAIT_TIMED_OUT : WAIT_CHANGED;
  },
  waitAsync,
  wake(words: Int32Array, index: number, count: number): number {
    return nativeProcess('kipc process backend').wake(words, index, count);
  },
  wakeIfWaiting(words: Int32Array, index: number, waitersIndex: number, count: number): number {
    return Atomics.load(words, waitersIndex) > 0 ? nativeProcess('kipc process backend').wake(words, index, count) : 0;
  },
  pause(ms: number): void {
    pauseWord ??= new Int32Array(new SharedArrayBuffer(4));
    nativeProcess('kipc process backend').wait(pauseWord, 0, 0, ms);
  },
  release(memory: SharedMemory): void {
    const shm = sharedObjectOf(memory);
    if (created.delete(shm)) unlinkSharedObject(shm);
  },
  watchCreator(memory: SharedMemory, flagIndex: number, pid: number): void {
    void nativeProcess('kipc process backend').watchOwner(memory.words, flagIndex, pid);
  },
  interruptThread(threadId: number): void {
    nativeProcess('kipc process backend').interruptThread(threadId);
  },
};
