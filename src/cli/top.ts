/**
 * `kipc top <name>`: a live view of a named kernel that another process
 * created (docs/processes.md): its tasks (pid, OS pid, state, what each is
 * blocked on), objects and queue depths, usage and counters, refreshed.
 *
 * It joins the kernel as a task of its own (marked 'joined' in the view, and
 * itself among the tasks), so that if it is killed while it holds the
 * kernel lock for a snapshot, the kernel's supervisor recovers the lock as
 * for any task; it creates nothing and holds the lock only for a snapshot.
 */
import { join } from '../runtime/join.js';
import { LiveOutput, renderSnapshot } from './view.js';

export interface TopOptions {
  /** Print one snapshot and leave. */
  once: boolean;
  /** Milliseconds between frames. */
  intervalMs: number;
}

/** Runs the view until interrupted (or once); the exit status. Throws join()'s errors (no such kernel, no permission). */
export async function runTop(name: string, options: TopOptions): Promise<number> {
  const task = join(name, { memoryBytes: 0 });
  const output = new LiveOutput();
  const title = (): string => `kernel '${name}' · ${new Date().toISOString().slice(11, 19)} · this view is task ${task.pid}`;
  const frame = (): void => output.frame(renderSnapshot(task.snapshot(), { title: title() }));
  frame();
  if (options.once) return 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      try {
        frame();
      } catch (error) {
        // The kernel is gone (its init process exited): say so and stop.
        output.finish();
        process.stderr.write(`kipc top: ${error instanceof Error ? error.message : String(error)}\n`);
        clearInterval(timer);
        resolve();
      }
    }, options.intervalMs);
    process.once('SIGINT', () => {
      clearInterval(timer);
      output.finish();
      resolve();
    });
  });
  return 0;
}
