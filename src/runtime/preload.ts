/**
 * The command-line options of a thread kipc starts (the supervisor, each
 * task worker): the process's own, but for those that only make sense for
 * its entry script (`--input-type`, which fails a worker started from a
 * file), and with the backend's module imported first (Backend.module), so
 * that the thread finds the kernel's backend by name when it attaches.
 */

/** Worker options for a kipc thread; `module` is imported before the thread's own code. */
export function preloading(module: string | undefined): { execArgv: string[] } {
  const inherited = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  return { execArgv: module === undefined ? inherited : [...inherited, '--import', module] };
}
