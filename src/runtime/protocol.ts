/**
 * Messages between a kernel's creator and its supervisor thread.
 */
import type { HostOptions } from './host-options.js';
export interface SpawnRequest {
  op: 'spawn';
  /** The task host that starts it (task-hosts.ts): 'worker'. */
  host: string;
  slot: number;
  pid: number;
  url: string;
  data: unknown;
  memoryBytes: number;
  /** Node options, environment and limits for the task's thread or process (host-options.ts). */
  options: HostOptions;
  /** The handles spawn installed in the task's table (their values there): Task.handles. */
  handles: number[];
  /** Set when spawn failed after claiming the slot (a grant of `handles` was refused): reap it without starting anything. */
  refused?: string;
}
export interface TerminateRequest {
  op: 'terminate';
  pid: number;
}
export interface ShutdownRequest {
  op: 'shutdown';
}
export type SupervisorRequest = SpawnRequest | TerminateRequest | ShutdownRequest;

export interface ExitNotice {
  op: 'exit';
  pid: number;
  code: number;
  /** The uncaught error that ended the task, if any. */
  error?: string;
}
/**
 * The reap of task `pid` failed (a kipc bug or a corrupted kernel): its
 * stores were undone and the locks freed, the kernel goes on, but what the
 * task held stays allocated. `pid` 0: the failure was outside any one reap.
 */
export interface ReapFailedNotice {
  op: 'reap-failed';
  pid: number;
  code: number;
  error: string;
}
export interface ShutdownDone {
  op: 'shutdown-done';
}
export type SupervisorNotice = ExitNotice | ReapFailedNotice | ShutdownDone;

/** What the supervisor finds in its workerData: the kernel's memory, and the backend that maps it. */
export interface SupervisorBoot {
  backend: string;
  /** The module that registers the backend, if it is not built in (Backend.module): preloaded in every thread started. */
  backendModule?: string;
  memory: unknown;
}

/** What a task is started with (by its host, see task-host.ts), for attach() to map the kernel. */
export interface TaskBoot extends SupervisorBoot {
  slot: number;
  pid: number;
  memoryBytes: number;
  /** The handles spawn installed for it (Task.handles). */
  handles: number[];
}
