/**
 * The task hosts this build knows, by name (see task-host.ts).
 */
import type { TaskBootData, TaskHost } from './task-host.js';
import { workerHost } from './worker-host.js';
import { processHost } from './process-host.js';

const hosts: readonly TaskHost[] = [workerHost, processHost];

/** The host named `name`. Throws RangeError for an unknown name. */
export function hostNamed(name: string): TaskHost {
  const host = hosts.find((h) => h.name === name);
  if (host === undefined) throw new RangeError(`kipc: unknown task host '${name}'`);
  return host;
}

/** The boot record the calling thread was started with, by whichever host started it; undefined outside a task. */
export function bootOfThisTask(): TaskBootData | undefined {
  for (const host of hosts) {
    const found = host.bootHere();
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The host of a spawn that names none: worker threads. */
export const DEFAULT_TASK_HOST = workerHost.name;

/** The host of a spawn with `{ process: true }`: child processes. */
export const PROCESS_TASK_HOST = processHost.name;
