/**
 * The task-host seam: where a task runs. A host starts a task for the
 * supervisor, hands it what it needs to attach (its TaskBoot and spawn
 * data) and reports when it stops; on the task's side it gives attach()
 * that boot back. The supervisor and attach() know hosts only through this
 * interface and ./task-hosts.ts; today's one host runs a task in a worker
 * thread (./worker-host.ts). A host for another kind of task (an OS
 * process) is a new file beside it and one line in task-hosts.ts.
 */
import type { TaskBoot } from './protocol.js';
import type { HostOptions } from './host-options.js';

/** What a host starts: the task's ES module, its boot record, its (already cloned) spawn data and the options it passes on. */
export interface TaskStart {
  url: string;
  boot: TaskBoot;
  data: unknown;
  options: HostOptions;
}

/** What a host reports about a task it started. Each is called at most once, `running` before `exited`. */
export interface TaskEvents {
  /** The task's code has begun to run. */
  running(): void;
  /** The task has stopped for good, for any reason: `code` is its exit code, `error` the uncaught error's stack if that ended it. */
  exited(code: number, error?: string): void;
}

/** A task as its host holds it. */
export interface HostedTask {
  /** Stops the task at whatever instruction it is on; `exited` follows. */
  terminate(): void;
}

/** Boot record and spawn data, as attach() receives them. */
export interface TaskBootData {
  boot: TaskBoot;
  data: unknown;
}

export interface TaskHost {
  /** The name a spawn request uses to pick this host. */
  readonly name: string;
  /**
   * Starts a task (on the supervisor's thread). Throws when it cannot, and
   * then reports nothing; otherwise reports `exited` exactly once.
   */
  start(task: TaskStart, events: TaskEvents): HostedTask;
  /** On the task's side: the boot this host started the calling thread with, or undefined if it did not start it. */
  bootHere(): TaskBootData | undefined;
}
