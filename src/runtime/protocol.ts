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

/** What a task worker finds in its workerData. */
export interface TaskBoot {
  buffer: SharedArrayBuffer;
  slot: number;
  pid: number;
  memoryBytes: number;
}
export const TASK_BOOT_KEY = '__kipcTask';
