/**
 * Pool: a pool of worker tasks running one module's function, like
 * piscina, built on a kernel queue and expose/wrap.
 *
 * ```ts
 * const pool = new Pool(new URL('./resize.js', import.meta.url), { min: 1, max: 4 });
 * const thumb = await pool.run({ path: 'a.png', width: 64 }, { signal });
 * await pool.close();
 * ```
 *
 * Every worker receives from the same port (a bounded kernel queue, of
 * `maxQueue` requests): the first free worker takes the next request, and
 * `run()` waits for room when the queue is full (backpressure). The pool
 * grows to `max` while requests wait, shrinks to `min` after `idleTimeout`
 * without work, and replaces a worker that dies. A request whose worker
 * died under it (BrokenPipeError) runs again on another, up to `retries`
 * times, so every `run()` settles exactly once.
 */
import type { RecordableHistogram } from 'node:perf_hooks';
import { EINVAL } from '../core/errno.js';
import { BrokenPipeError, InvalidArgumentError } from '../api/errors.js';
import { describe } from '../api/describe.js';
import type { Port } from '../api/port.js';
import { wrapPort } from '../api/wrap.js';
import { Kernel, type KernelOptions, type SpawnOptions, type TaskHandle } from './kernel.js';

export interface PoolOptions {
  /** Workers kept even when idle (default 1). */
  min?: number;
  /** Workers at most (default: the machine's cores). */
  max?: number;
  /** Milliseconds without any request before the pool shrinks to `min` (default 10,000). */
  idleTimeout?: number;
  /** Requests queued at most before run() waits for room (default 256; the port's capacity). */
  maxQueue?: number;
  /** Times a request whose worker died runs again elsewhere (default 2). */
  retries?: number;
  /** The kernel to run in; default: a kernel of the pool's own, closed with it. */
  kernel?: Kernel;
  /** Options of the pool's own kernel. */
  kernelOptions?: KernelOptions;
  /** Spawn options of every worker (execArgv, env, resourceLimits, process...). */
  spawn?: Omit<SpawnOptions, 'data' | 'handles'>;
}

export interface RunOptions {
  /** Aborts the request: run() rejects with InterruptedError, and the function's signal aborts. */
  signal?: AbortSignal;
  /** Milliseconds the request may take, queued and running. */
  timeout?: number;
}

/** Percentiles of one histogram, in microseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export interface PoolStats {
  /** Workers alive. */
  workers: number;
  /** run() calls not yet settled. */
  pending: number;
  completed: number;
  failed: number;
  /** Requests run again after their worker died. */
  retries: number;
  /** Workers started to replace one that died. */
  respawns: number;
  /** From run() to its result, per completed request. */
  runTime: LatencySummary;
}

interface Worker {
  task: TaskHandle;
  /** Where cancels of aborted requests reach it (init's port, its receive handle granted). */
  cancels: Port;
  retiring: boolean;
}

/** A built-in module of the runtime (Node, Bun, Deno), without an import: kipc loads in browsers too. */
function builtin<M>(id: string): M {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const module = runtime?.getBuiltinModule?.(id) as M | undefined;
  if (module === undefined) throw new Error(`kipc Pool needs ${id} (Node, Bun or Deno)`);
  return module;
}

function positiveInteger(value: unknown, name: string, fallback: number, least = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < least) throw new InvalidArgumentError(EINVAL, `Pool: ${name} must be an integer >= ${least}, not ${describe(value)}`);
  return value;
}

const WORKER_MODULE = new URL('./pool-worker.js', import.meta.url);

export class Pool<In = unknown, Out = unknown> {
  readonly kernel: Kernel;
  private readonly ownKernel: boolean;
  private readonly module: string;
  private readonly min: number;
  private readonly max: number;
  private readonly idleTimeout: number;
  private readonly retries: number;
  private readonly spawnOptions: Omit<SpawnOptions, 'data' | 'handles'>;
  private readonly port: Port;
  private readonly remote: RunService;
  private readonly workers = new Set<Worker>();
  private readonly histogram: RecordableHistogram;
  private pendingCount = 0;
  private completedCount = 0;
  private failedCount = 0;
  private retryCount = 0;
  private respawnCount = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Starts `min` workers running `module`'s default export (or its `run`
   * export). InvalidArgumentError for a bad option; the first spawn's error
   * (a bad module is reported by run(), as its workers die).
   */
  constructor(module: string | URL, options: PoolOptions = {}) {
    this.min = positiveInteger(options.min, 'min', 1, 0);
    const cores = builtin<typeof import('node:os')>('node:os').availableParallelism();
    this.max = positiveInteger(options.max, 'max', Math.max(this.min, cores));
    if (this.max < this.min) throw new InvalidArgumentError(EINVAL, `Pool: max (${this.max}) is below min (${this.min})`);
    this.idleTimeout = positiveInteger(options.idleTimeout, 'idleTimeout', 10_000, 0);
    this.retries = positiveInteger(options.retries, 'retries', 2, 0);
    const maxQueue = positiveInteger(options.maxQueue, 'maxQueue', 256);
    this.module = String(module);
    this.spawnOptions = options.spawn ?? {};
    this.histogram = builtin<typeof import('node:perf_hooks')>('node:perf_hooks').createHistogram();
    this.ownKernel = options.kernel === undefined;
    this.kernel = options.kernel ?? Kernel.create(options.kernelOptions);
    try {
      this.port = this.kernel.task.createPort({ capacity: maxQueue });
      this.remote = wrapPort<RunService>(this.port) as RunService;
      for (let i = 0; i < Math.max(1, this.min); i++) this.startWorker();
    } catch (error) {
      if (this.ownKernel) void this.kernel.close();
      throw error;
    }
  }

  /**
   * Runs the function on `value` in a free worker and returns its result:
   * a RemoteError when it threw, InterruptedError when `signal` aborted,
   * TimeoutError past `timeout`, BrokenPipeError when the pool closed or
   * the request's workers kept dying. Waits for room while `maxQueue`
   * requests are queued.
   */
  async run(value: In, options: RunOptions = {}): Promise<Out> {
    if (this.closing !== undefined) throw new BrokenPipeError(32, 'Pool.run: the pool is closed (EPIPE)');
    this.pendingCount++;
    this.touch();
    const started = performance.now();
    try {
      for (let attempt = 0; ; attempt++) {
        this.grow();
        try {
          const remote = options.signal === undefined && options.timeout === undefined ? this.remote : wrapPort<RunService>(this.port, options, this.cancel) as RunService;
          const result = (await remote.run(value)) as Out;
          this.completedCount++;
          this.histogram.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
          return result;
        } catch (error) {
          if (!(error instanceof BrokenPipeError) || attempt >= this.retries || this.closing !== undefined) {
            this.failedCount++;
            throw error;
          }
          this.retryCount++;
        }
      }
    } finally {
      this.pendingCount--;
      this.touch();
    }
  }

  /** What the pool is doing, and how long requests took. */
  get stats(): PoolStats {
    const h = this.histogram;
    const summary: LatencySummary =
      h.count === 0
        ? { count: 0, min: 0, mean: 0, p50: 0, p99: 0, max: 0 }
        : { count: h.count, min: h.min, mean: h.mean, p50: h.percentile(50), p99: h.percentile(99), max: h.max };
    return {
      workers: this.workers.size,
      pending: this.pendingCount,
      completed: this.completedCount,
      failed: this.failedCount,
      retries: this.retryCount,
      respawns: this.respawnCount,
      runTime: summary,
    };
  }

  /**
   * Stops taking requests and closes the queue: requests still queued
   * reject with BrokenPipeError, those running finish and are answered.
   * Resolves once the workers have ended and the pool's own kernel is closed.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
      for (const worker of this.workers) worker.retiring = true;
      this.port.close();
      await Promise.all([...this.workers].map((w) => w.task.exited));
      if (this.ownKernel) await this.kernel.close();
    })();
    return this.closing;
  }

  /** Tells every worker that request `id` was aborted: the one running it aborts its signal. */
  private readonly cancel = (id: number): void => {
    for (const worker of this.workers) {
      try {
        worker.cancels.trySend(['cancel', id]);
      } catch {
        // That worker is gone.
      }
    }
  };

  private startWorker(): void {
    const cancels = this.kernel.task.createPort();
    let task: TaskHandle;
    try {
      task = this.kernel.spawn(WORKER_MODULE, { ...this.spawnOptions, data: { module: this.module }, handles: [this.port, cancels] });
    } catch (error) {
      cancels.close();
      throw error;
    }
    const worker: Worker = { task, cancels, retiring: false };
    this.workers.add(worker);
    void task.exited.then(() => {
      this.workers.delete(worker);
      cancels.close();
      if (worker.retiring || this.closing !== undefined) return;
      // Died under work or idle: keep at least min, and one while requests wait.
      if (this.workers.size < Math.max(this.min, this.pendingCount > 0 ? 1 : 0)) {
        this.respawnCount++;
        this.startWorker();
      }
    });
  }

  /** One more worker while requests outnumber workers, up to max. */
  private grow(): void {
    let live = 0;
    for (const worker of this.workers) if (!worker.retiring) live++;
    if (this.closing === undefined && live < this.max && (live === 0 || this.pendingCount > live)) this.startWorker();
  }

  /** Restarts the idle clock: after idleTimeout with nothing pending, workers beyond min retire. */
  private touch(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.pendingCount > 0 || this.closing !== undefined || this.workers.size <= this.min) return;
    this.idleTimer = setTimeout(() => this.shrink(), this.idleTimeout);
    this.idleTimer.unref?.();
  }

  private shrink(): void {
    if (this.pendingCount > 0 || this.closing !== undefined) return;
    let excess = this.workers.size - this.min;
    for (const worker of this.workers) {
      if (excess-- <= 0) break;
      worker.retiring = true;
      void worker.task.terminate();
    }
  }
}

/** What a worker serves, as the pool calls it. */
interface RunService {
  run(value: unknown): Promise<unknown>;
}

