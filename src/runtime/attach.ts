/**
 * attach(): inside a worker started by `kernel.spawn`, returns this thread's
 * Task. The same Task every time.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { Task } from './task.js';
import { TASK_BOOT_KEY, type TaskBoot } from './protocol.js';

let current: Task | undefined;

export function attach(): Task {
  if (current) return current;
  const boot = !isMainThread ? ((workerData as Record<string, unknown> | undefined)?.[TASK_BOOT_KEY] as TaskBoot | undefined) : undefined;
  if (!boot) throw new Error('kipc: attach() works only inside a task started by kernel.spawn(); the creating thread uses kernel.task');
  current = new Task(boot.buffer, boot.slot, boot.pid, boot.memoryBytes, (workerData as { data: unknown }).data);
  return current;
}
