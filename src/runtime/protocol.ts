/**
 * Messages between a kernel's creator and its supervisor thread.
 */
export interface SpawnRequest {
  op: 'spawn';
  slot: number;
  pid: number;
  url: string;
  data: unknown;
  memoryBytes: number;
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
export interface ShutdownDone {
  op: 'shutdown-done';
}
export type SupervisorNotice = ExitNotice | ShutdownDone;

/** What a task worker finds in its workerData. */
export interface TaskBoot {
  buffer: SharedArrayBuffer;
  slot: number;
  pid: number;
  memoryBytes: number;
}
export const TASK_BOOT_KEY = '__kipcTask';
