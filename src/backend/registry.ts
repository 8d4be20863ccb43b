/**
 * Backends by name. A kernel's creator picks a backend; the threads that
 * attach to the kernel (its supervisor, its tasks) receive only its name
 * and find it here, so a backend other than the built-in ones must be
 * registered in every such thread before it attaches (for example by a
 * module preloaded with `node --import`, which reaches worker threads too).
 */
import type { Backend } from './backend.js';
import { threadBackend } from './thread.js';
import { processBackend, shareOfBuffer } from './process.js';

const backends = new Map<string, Backend>([
  [threadBackend.name, threadBackend],
  [processBackend.name, processBackend],
]);
let standard: Backend = threadBackend;

const MEMBERS = ['allocate', 'share', 'open', 'wait', 'waitAsync', 'wake', 'wakeIfWaiting', 'pause'] as const;

/** Throws TypeError, naming `operation`, unless `backend` has a name and every member of a Backend. */
export function assertBackend(backend: unknown, operation: string): asserts backend is Backend {
  const b = backend as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null || typeof b['name'] !== 'string' || b['name'] === '' || MEMBERS.some((m) => typeof b[m] !== 'function')) {
    throw new TypeError(`${operation}: backend must be a Backend (a name and ${MEMBERS.join(', ')}), got ${String(backend)}`);
  }
}

/**
 * Makes `backend` known under its name in this thread; with
 * `{ default: true }` it is also what `Kernel.create()` uses when given no
 * backend. Throws TypeError if `backend` is not a Backend or another
 * backend holds the name.
 */
export function registerBackend(backend: Backend, options: { default?: boolean } = {}): void {
  assertBackend(backend, 'registerBackend');
  const held = backends.get(backend.name);
  if (held !== undefined && held !== backend) throw new TypeError(`kipc: a different backend is registered as '${backend.name}' already`);
  backends.set(backend.name, backend);
  if (options.default === true) standard = backend;
}

/** The backend registered as `name`. Throws Error naming what to do when there is none in this thread. */
export function backendNamed(name: string): Backend {
  const backend = backends.get(name);
  if (backend === undefined) {
    throw new Error(`kipc: this kernel uses the memory backend '${name}', which is not registered in this thread (register it in every thread that attaches, e.g. from a module preloaded with node --import)`);
  }
  return backend;
}

/** The backend `Kernel.create()` uses when given none: the thread backend unless another was registered as the default. */
export function defaultBackend(): Backend {
  return standard;
}

/**
 * The backend whose wait and wake reach everyone who may sleep on words of
 * `buffer`: the process backend (the OS futex) for a buffer over a
 * shared-memory object mapped by this process (a process kernel's region,
 * a shared buffer of the process backend), the thread backend (V8's
 * futex, threads of this process) for any other SharedArrayBuffer.
 */
export function futexOf(buffer: ArrayBufferLike): Backend {
  return buffer instanceof SharedArrayBuffer && shareOfBuffer(buffer) !== undefined ? processBackend : threadBackend;
}
