/**
 * The worker-thread task host: a task is a `worker_threads` Worker of the
 * kernel's process, whose workerData carries its boot record and data.
 */
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import type { HostedTask, TaskBootData, TaskEvents, TaskHost, TaskStart } from './task-host.js';
import type { TaskBoot } from './protocol.js';
import { preloading } from './preload.js';
import { backendNamed } from '../backend/registry.js';

/** The workerData key under which a task worker finds its boot record. */
const TASK_BOOT_KEY = '__kipcTask';

export const workerHost: TaskHost = {
  name: 'worker',

  start(task: TaskStart, events: TaskEvents): HostedTask {
    const { execArgv = [], env, resourceLimits } = task.options;
    const worker = new Worker(new URL(task.url), {
      workerData: { [TASK_BOOT_KEY]: task.boot, data: task.data },
      execArgv: [...preloading(task.boot.backendModule).execArgv, ...execArgv],
      ...(env !== undefined ? { env } : {}),
      ...(resourceLimits !== undefined ? { resourceLimits } : {}),
    });
    let failure: string | undefined;
    worker.on('online', () => events.running());
    worker.on('error', (error: Error) => {
      failure = error?.stack ?? String(error);
    });
    worker.on('exit', (code) => {
      // A worker that died of an uncaught error failed, whatever its exit code says.
      events.exited(failure !== undefined && code === 0 ? 1 : code, failure);
    });
    return {
      terminate: () => {
        void worker.terminate();
        backendNamed(task.boot.backend).interruptThread?.(worker.threadId);
      },
    };
  },

  bootHere(): TaskBootData | undefined {
    if (isMainThread) return undefined;
    const boot = (workerData as Record<string, unknown> | undefined)?.[TASK_BOOT_KEY] as TaskBoot | undefined;
    return boot === undefined ? undefined : { boot, data: (workerData as { data: unknown }).data };
  },
};
