/**
 * attach(): inside a task started by `kernel.spawn`, returns this task's
 * Task, mapping the kernel with the kernel's backend. The same Task every
 * time.
 */
import { Task } from './task.js';
import { Region } from '../core/region.js';
import * as L from '../core/layout.js';
import { backendNamed } from '../backend/registry.js';
import { bootOfThisTask } from './task-hosts.js';
import { watchInit } from './join.js';

let current: Task | undefined;

/**
 * `D` types `task.data` (what the spawner gave as `data`; the spawn's
 * `kernel.spawn<D>()` checks that side).
 * Throws Error outside a task started by kernel.spawn(), or when the
 * kernel's backend is not registered in this thread.
 */
export function attach<D = unknown>(): Task<D> {
  if (current) return current as Task<D>;
  const started = bootOfThisTask();
  if (!started) throw new Error('kipc: attach() works only inside a task started by kernel.spawn(); the creating thread uses kernel.task');
  const { boot, data } = started;
  const backend = backendNamed(boot.backend);
  const region = new Region(backend.open(boot.memory), backend);
  current = new Task(region, boot.slot, boot.pid, boot.memoryBytes, data, boot.handles);
  // The task's own word: which OS process it runs in (kipc top shows it).
  Atomics.store(region.w, region.task(boot.slot) + L.T_OS_PID, typeof process === 'undefined' ? 0 : process.pid);
  watchInit(region);
  return current as Task<D>;
}
