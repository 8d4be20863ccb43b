/**
 * Backends by name. A kernel's creator picks a backend; the threads that
 * attach to the kernel (its supervisor, its tasks) receive only its name
 * and find it here, so a backend other than the built-in ones must be
 * registered in every such thread before it attaches (for example by a
 * module preloaded with `node --import`, which reaches worker threads too).
 */
import type { Backend } from './backend.js';
import { threadBackend } from './thread.js';

const backends = new Map<string, Backend>([[threadBackend.name, threadBackend]]);
let standard: Backend = threadBackend;

/**
 * Makes `backend` known under its name in this thread; with
 * `{ default: true }` it is also what `Kernel.create()` uses when given no
 * backend. Throws TypeError if another backend holds the name.
 */
export function registerBackend(backend: Backend, options: { default?: boolean } = {}): void {
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
