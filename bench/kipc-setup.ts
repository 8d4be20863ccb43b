/**
 * Runner-side setup shared by the kipc sides: a kernel with an echo server
 * task, and a connection to it from the main thread (the init task).
 */
import { Kernel, Message, NotFoundError, type KernelOptions, type Port, type TaskHandle } from '../src/index.js';
import { countingParks, Failure, type RoundFigure, type Side, settleWithin, workerUrl } from './harness.js';
import { kernelOptions } from './config.js';
import { REQUEST_TYPE, STOP_TYPE } from './workers/kipc-common.js';

export const ECHO_PATH = '/bench/echo';

/** Connects the init task to `path`, polling until a task has bound it. */
export async function connectWhenBound(kernel: Kernel, path: string, failure: Failure, timeoutMs = 10_000): Promise<Port> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return kernel.task.connect(path);
    } catch (error) {
      if (!(error instanceof NotFoundError) || performance.now() > deadline) throw error;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 2)), failure.promise]);
    }
  }
}

export interface EchoKernel {
  kernel: Kernel;
  server: TaskHandle;
  failure: Failure;
  /** The kernel's park counter (futex sleeps so far). */
  parks(): number;
  /** Waits for every task (up to a grace period), then closes the kernel. */
  close(): Promise<void>;
}

/** Where a benchmark's kipc tasks run: worker threads of the runner, or child processes (a kernel shared with processes). */
export type TaskPlace = 'thread' | 'process';

export function startEchoKernel(options: KernelOptions = {}, place: TaskPlace = 'thread'): EchoKernel {
  const kernel = Kernel.create({ ...kernelOptions, ...options, ...(place === 'process' ? { processes: true } : {}) });
  const failure = new Failure();
  const server = kernel.spawn(workerUrl('kipc-echo'), { data: { path: ECHO_PATH }, process: place === 'process' });
  failure.watchTask(server, 'echo server');
  return {
    kernel,
    server,
    failure,
    parks: () => kernel.snapshot().stats.parks,
    async close() {
      failure.expected();
      await settleWithin(server.exited, 2000);
      await kernel.close();
    },
  };
}

/**
 * The kipc side of a benchmark calling the echo server from the main thread:
 * starts the kernel, connects, and times rounds with `call` (given the port,
 * a request and a reply message to reuse, and the round's budget). Closing
 * tells the server to stop, then closes the kernel.
 */
export async function openEchoCaller(
  label: string,
  call: (port: Port, request: Message, reply: Message, budgetMs: number) => Promise<RoundFigure>,
  place: TaskPlace = 'thread',
): Promise<Side> {
  const echo = startEchoKernel({}, place);
  let port: Port;
  try {
    port = await connectWhenBound(echo.kernel, ECHO_PATH, echo.failure);
  } catch (error) {
    await echo.close();
    throw error;
  }
  const request = Message.of(REQUEST_TYPE);
  const reply = new Message();
  let closed: Promise<void> | undefined;
  return {
    label,
    round: (budgetMs) => countingParks(echo.parks, () => call(port, request, reply, budgetMs)),
    close: () =>
      (closed ??= (async () => {
        try {
          port.send(Message.of(STOP_TYPE), { timeout: 1000 });
        } catch {
          // The server is gone already; closing the kernel is all that is left.
        }
        await echo.close();
      })()),
  };
}
