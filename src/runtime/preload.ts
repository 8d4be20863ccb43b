/**
 * Starting a thread with a backend's module imported first (Backend.module),
 * so that the thread finds the kernel's backend by name when it attaches.
 */

/** Worker options that import `module` before the thread's own code; none when `module` is undefined. */
export function preloading(module: string | undefined): { execArgv?: string[] } {
  return module === undefined ? {} : { execArgv: [...process.execArgv, '--import', module] };
}
