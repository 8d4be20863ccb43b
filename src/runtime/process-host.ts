/**
 * The process task host: a task is a child Node process (`kernel.spawn(url,
 * { process: true })`) that maps the kernel's shared object and attaches
 * like a worker. The child runs ./process-task.js, which reads its boot
 * record and spawn data (v8-serialized) from file descriptor 3, a socket
 * pair with this process, and then imports the task's module; an uncaught
 * error's stack comes back on the same socket. terminate() is SIGKILL, so
 * the task stops at whatever instruction it is on, inside a kernel critical
 * section or not, exactly like a worker that is terminated; its exit code is
 * then 128 + the signal's number, as a shell reports it.
 *
 * Only for kernels whose memory another process can map (the process
 * backend): kernel.spawn checks that before it claims a slot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import type { Readable, Writable } from 'node:stream';
import type { HostedTask, TaskBootData, TaskEvents, TaskHost, TaskStart } from './task-host.js';
import { processLimitFlags } from './host-options.js';

/** Where the child's runner finds what it was started with (set before the task's module is imported). */
export const PROCESS_TASK_BOOT = Symbol.for('kipc.processTaskBoot');

/** The file descriptor of the boot socket in the child. */
export const BOOT_FD = 3;

const RUNNER = fileURLToPath(new URL('./process-task.js', import.meta.url));

/** A process that ended by a signal reports 128 + its number, as shells do. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal !== null ? 128 + (constants.signals[signal] ?? 0) : 1;
}

export const processHost: TaskHost = {
  name: 'process',

  start(task: TaskStart, events: TaskEvents): HostedTask {
    const preload = task.boot.backendModule === undefined ? [] : ['--import', task.boot.backendModule];
    const { execArgv = [], env, resourceLimits } = task.options;
    const child: ChildProcess = spawn(process.execPath, [...processLimitFlags(resourceLimits), ...execArgv, ...preload, RUNNER], {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
      ...(env !== undefined ? { env } : {}),
    });
    const socket = child.stdio[BOOT_FD] as Readable & Writable;
    let failure = '';
    let ended = false;
    const end = (code: number, error?: string): void => {
      if (ended) return;
      ended = true;
      events.exited(code, error);
    };
    socket.on('data', (chunk: Buffer) => void (failure += chunk.toString('utf8')));
    socket.on('error', () => {});
    socket.end(serialize({ url: task.url, boot: task.boot, data: task.data }));
    child.once('spawn', () => events.running());
    child.once('error', (error) => {
      // The process could not be started at all (no 'exit' follows), or could not be killed.
      if (child.pid === undefined) end(1, error.stack ?? String(error));
    });
    child.once('exit', (code, signal) => {
      const reported = failure === '' ? undefined : failure;
      const status = exitCodeOf(code, signal);
      end(reported !== undefined && status === 0 ? 1 : status, reported);
    });
    return {
      terminate: () => void child.kill('SIGKILL'),
    };
  },

  bootHere(): TaskBootData | undefined {
    if (!isMainThread) return undefined;
    return (globalThis as Record<symbol, TaskBootData | undefined>)[PROCESS_TASK_BOOT];
  },
};
