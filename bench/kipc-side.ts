/**
 * Runner-side setup of the kipc sides made of worker tasks: a kernel, the
 * objects the tasks share, which init creates (channels, rings,
 * semaphores; none where the tasks find each other's ports by name), and
 * the tasks, each granted the handles it uses (see grants.ts). Init then
 * closes its own handles, as an application that only wires its tasks
 * together would, so a channel ends when its last sending task leaves. One
 * task drives the side's rounds (workers/driver.ts); the side is ready when
 * every task has reported ready.
 */
import { type Handle, Kernel, type KernelOptions, type SpawnOptions, type Task, type TaskHandle } from '../src/index.js';
import { kernelOptions } from './config.js';
import { type Control, createControl } from './control.js';
import { createGrantBoard, publishGrants } from './grants.js';
import { DrivenSide, Failure, finishOpening, type Side, settleWithin, workerUrl } from './harness.js';

/**
 * A kernel with the run's kernel options and `options`, and a side driven
 * by one of its tasks: `spawn` starts a task (worker module under workers/)
 * whose failure fails the side (a child process when `options.processes`); closing the side waits for the spawned
 * tasks (they leave on their own once the driver stops), then closes the
 * kernel.
 */
export function kernelSide(
  label: string,
  options: KernelOptions = {},
): { kernel: Kernel; side: DrivenSide; control: Control; spawn: (name: string, module: string, spawnOptions: SpawnOptions) => TaskHandle } {
  const kernel = Kernel.create({ ...kernelOptions, ...options });
  const failure = new Failure();
  const processes = options.processes === true;
  const control = createControl(processes);
  const spawned: TaskHandle[] = [];
  const side = new DrivenSide(
    label,
    control,
    failure,
    async () => {
      await settleWithin(Promise.all(spawned.map((task) => task.exited)), 2000);
      await kernel.close();
    },
    () => kernel.snapshot().stats.parks,
  );
  const spawn = (name: string, module: string, spawnOptions: SpawnOptions): TaskHandle => {
    const task = kernel.spawn(workerUrl(module), { ...spawnOptions, process: processes });
    spawned.push(task);
    failure.watchTask(task, name);
    return task;
  };
  return { kernel, side, control, spawn };
}

export interface TaskSpec {
  /** Name in failure messages. */
  name: string;
  /** Worker module under workers/ (without .js). */
  module: string;
  /** Indices into the objects `create` returned: the handles this task gets, in this order (default none). */
  grants?: readonly number[];
  /** More of `task.data`; `control`, `grants` and `grantRow` are added. */
  data?: Record<string, unknown>;
}

/**
 * Creates a kernel (with the run's kernel options and `options`), the
 * objects `create` makes as init, and the tasks, then waits until they are
 * all ready. Closing the side waits for the tasks (they leave on their own
 * once the driver stops) and closes the kernel.
 */
export async function openKipcTasks(
  label: string,
  create: (init: Task) => Handle[],
  tasks: readonly TaskSpec[],
  options: KernelOptions = {},
): Promise<Side> {
  const { kernel, side, control, spawn } = kernelSide(label, options);
  const board = createGrantBoard(tasks.length, options.processes === true);
  return finishOpening(side, async () => {
    const objects = create(kernel.task);
    try {
      tasks.forEach((spec, row) => {
        const task = spawn(spec.name, spec.module, { data: { ...spec.data, control: control.buffer, grants: board, grantRow: row } });
        publishGrants(board, row, (spec.grants ?? []).map((i) => objects[i]!.grant(task.pid)));
      });
    } finally {
      // Init keeps nothing: the tasks' handles alone keep the objects alive.
      for (const object of objects) object.close();
    }
    await side.ready(tasks.length);
  });
}
