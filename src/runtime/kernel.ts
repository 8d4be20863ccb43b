/**
 * Kernel: creates the shared kernel region, makes the calling thread the
 * init task (pid 1), and spawns worker-thread tasks through the supervisor.
 *
 * ```ts
 * const kernel = Kernel.create();
 * const child = kernel.spawn(new URL('./child.js', import.meta.url), { data: { n: 3 } });
 * await child.exited;
 * ```
 */
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import * as L from '../kernel/layout.js';
import { bootRegion } from '../kernel/boot.js';
import { allocTask } from '../kernel/tasks.js';
import { releaseAllHandles } from '../kernel/handles.js';
import { removeBindingsBy } from '../objects/namespace.js';
import { type NamespacePolicy, parseNamespacePolicy, writePolicyLocked } from '../objects/namespace-policy.js';
import { Task } from './task.js';
import type { KernelSnapshot, KernelUsage } from './snapshot.js';
import type { ExitNotice, SupervisorNotice, SupervisorRequest } from './protocol.js';
import { check } from '../api/errors.js';
import { PERSONALITY_ROU2EXOS, PERSONALITY_STRAT9 } from '../abi/numbers.js';
import { ensureMailboxLocked } from '../objects/mailbox.js';
import { NetworkInterface } from '../devices/network-interface.js';
import type { FrameLink } from '../devices/frame-link.js';
import { KeyboardDevice, type KeyboardOptions } from '../devices/keyboard-device.js';
import { checkKernel } from '../kernel/check/index.js';

/**
 * Fixed limits of a kernel. Running out of any is an errno (ENOMEM for the
 * kernel-wide pools, ENOSPC for a task's handle table or the namespace),
 * never corruption.
 */
export interface KernelLimits {
  /** Task slots, init included (default 64, at most 4095). Exited tasks' slots are reused. */
  maxTasks?: number;
  /** Live objects: ports and later channels, semaphores, rings (default 1024). */
  maxObjects?: number;
  /** Handles per task (default 256, at most 4095). */
  maxHandles?: number;
  /** 64-byte message slots shared by all queues; a queue reserves its capacity (default 8192). */
  messageSlots?: number;
  /** Calls in flight, kernel-wide (default 1024). */
  maxCalls?: number;
  /** Namespace bindings (default 128) and the longest path in bytes (default 128). */
  namespaceEntries?: number;
  maxPathBytes?: number;
  /**
   * 4 KiB pages for shared rings and channels, kernel-wide (default 1024,
   * i.e. 4 MiB). A ring or channel takes the pages it needs when created.
   */
  pages?: number;
  /** Page IPC: virtual pages in each task's page space (default 1024, i.e. 4 MiB of addresses). */
  pageSpace?: number;
  /** Page IPC: pages a task may have sent that no receiver has accepted or abandoned yet (default 1024); past it a send is EAGAIN. */
  pageQuota?: number;
  /** Page IPC: deliveries in flight, kernel-wide (default 256); a send finding none free is EAGAIN. */
  deliveries?: number;
  /**
   * Microseconds a waiter spins before it sleeps (default 50; 0 sleeps at
   * once). Waking a sleeping thread costs tens of microseconds here, so a
   * spin this long catches most answers that come quickly.
   */
  spin?: number;
  /** How many threads may spin at once (default: cores - 1, at least 1). */
  maxSpinners?: number;
}

export interface KernelOptions extends KernelLimits {
  /** Size of the init task's user memory in bytes (default 64 KiB). */
  memoryBytes?: number;
}

export interface SpawnOptions {
  /** Any structured-cloneable value; the task reads it as `task.data`. */
  data?: unknown;
  /** Size of the task's user memory in bytes (default 64 KiB). */
  memoryBytes?: number;
  /**
   * The syscall numbering the task speaks: 'strat9' (default, SPEC section
   * 3) or 'rou2exos' (section 4: mailboxes, network, keyboard pipe; such a
   * task gets its mailbox at once). Pids are shared by both.
   */
  personality?: 'strat9' | 'rou2exos';
  /**
   * Confines the task's namespace (docs/namespace.md): it may bind only
   * within `bind` and connect only within `connect` (an omitted list
   * allows nothing; `['/']` allows all), and its connects resolve only to
   * bindings within `connect`. Without it the task is unrestricted.
   */
  namespace?: NamespacePolicy;
}

/** How a task ended. */
export interface TaskExit {
  code: number;
  /** The uncaught error's stack, when that is how it ended. */
  error?: string;
}

export interface TaskHandle {
  readonly pid: number;
  /** Settles when the task has stopped and the kernel has cleaned up after it. */
  readonly exited: Promise<TaskExit>;
  /** Stops the task at whatever instruction it is on; resolves once it is reaped. */
  terminate(): Promise<TaskExit>;
}

const DEFAULT_MEMORY_BYTES = 64 * 1024;

export class Kernel {
  /** The init task (pid 1): the thread that created the kernel. */
  readonly task: Task;
  /** The kernel region, to hand to other runtimes or inspect. */
  readonly buffer: SharedArrayBuffer;
  private readonly supervisor: Worker;
  private readonly exits = new Map<number, (exit: TaskExit) => void>();
  private liveChildren = 0;
  /** Devices attached through this object: close() detaches them. */
  private readonly devices = new Set<{ detach(): unknown }>();
  private closing: Promise<void> | undefined;
  private closed: (() => void) | undefined;

  private constructor(buffer: SharedArrayBuffer, memoryBytes: number) {
    this.buffer = buffer;
    this.task = new Task(buffer, 0, 1, memoryBytes, undefined);
    this.supervisor = new Worker(new URL('./supervisor.js', import.meta.url), { workerData: { buffer } });
    this.supervisor.on('message', (notice: SupervisorNotice) => this.onNotice(notice));
    this.supervisor.on('error', (error) => {
      // The supervisor itself failing is a kipc bug; make it loud.
      process.emitWarning(`kipc: supervisor failed: ${error?.stack ?? error}`);
    });
    this.supervisor.unref();
  }

  /** Lays out a new kernel region and makes the calling thread its init task. */
  static create(options: KernelOptions = {}): Kernel {
    const limits: L.Limits = { ...L.DEFAULT_LIMITS, maxSpinners: Math.max(1, availableParallelism() - 1) };
    for (const key of Object.keys(limits) as (keyof L.Limits)[]) {
      const value = options[key];
      if (value !== undefined) limits[key] = value;
    }
    return new Kernel(bootRegion(limits), options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
  }

  /**
   * Starts a task running the ES module at `module` in a worker thread. The
   * module calls `attach()` to get its Task. Throws OutOfMemoryError when
   * the task table is full; TypeError or RangeError, before any change, for
   * an invalid `personality` or `namespace`.
   */
  spawn(module: string | URL, options: SpawnOptions = {}): TaskHandle {
    const url = module instanceof URL ? module.href : /^[a-z]+:/i.test(module) ? module : pathToFileURL(module).href;
    const personality = options.personality ?? 'strat9';
    if (personality !== 'strat9' && personality !== 'rou2exos') throw new RangeError(`Kernel.spawn: unknown personality '${String(personality)}'`);
    const r = this.task.ctx.r;
    const policy = options.namespace === undefined ? undefined : parseNamespacePolicy(options.namespace, r.maxPathBytes, 'Kernel.spawn');
    r.lock();
    const slot = allocTask(r, 1, personality === 'rou2exos' ? PERSONALITY_ROU2EXOS : PERSONALITY_STRAT9);
    if (slot >= 0 && policy !== undefined) writePolicyLocked(r, slot, policy);
    const made = slot < 0 || personality !== 'rou2exos' ? slot : ensureMailboxLocked(r, slot);
    if (made < 0) r.fail(made);
    else r.unlock();
    check(made, 'Kernel.spawn');
    const pid = r.w[r.task(slot) + L.T_PID]!;
    const exited = new Promise<TaskExit>((resolve) => this.exits.set(pid, resolve));
    this.post({ op: 'spawn', slot, pid, url, data: options.data, memoryBytes: options.memoryBytes ?? DEFAULT_MEMORY_BYTES });
    if (this.liveChildren++ === 0) this.supervisor.ref();
    return {
      pid,
      exited,
      terminate: () => {
        this.post({ op: 'terminate', pid });
        return exited;
      },
    };
  }

  /**
   * Attaches a network interface on `link` (a UdpFrameLink, a
   * PcapReplayLink, or your own FrameLink): frames it receives are routed to
   * tasks' mailboxes, frames the driver task transmits go out of it. It runs
   * on this thread. Throws BusyError if one is attached already.
   */
  async attachNetwork(link: FrameLink): Promise<NetworkInterface> {
    const nic = await NetworkInterface.attach(this.task.ctx, link);
    this.devices.add(nic);
    return nic;
  }

  /**
   * Attaches a keyboard reading a terminal (process.stdin by default, in
   * raw mode): each key becomes PS/2 set-1 make and break codes delivered to
   * every task subscribed to the keyboard pipe. Detach it to give the
   * terminal back. Throws BusyError if one is attached already.
   */
  attachKeyboard(options?: KeyboardOptions): KeyboardDevice {
    const keyboard = KeyboardDevice.attach(this.task.ctx, options);
    this.devices.add(keyboard);
    return keyboard;
  }

  /** Tasks, objects and names of the whole kernel, as they are now. */
  snapshot(): KernelSnapshot {
    return this.task.snapshot();
  }

  /** How much of each kernel table is in use. */
  usage(): KernelUsage {
    return this.task.usage();
  }

  /**
   * Walks the whole kernel region under the kernel lock and verifies its
   * invariants (tables against their counters and free lists, references
   * against the handles naming objects, queues, calls, the handle tree,
   * tasks, waiters; see docs/check.md). Returns one sentence per violation,
   * naming the place; empty when the kernel is consistent. Never throws
   * for a corrupt kernel, and does not wait for ever on a kernel lock held
   * by a task that no longer exists (that is reported instead).
   *
   * Call it when tasks are quiescent (parked or idle, or gone): words that
   * threads change without the kernel lock (queue indices and lock words,
   * waiter counters and flags, event sequence words) are read as they are,
   * so traffic running at the same moment can give false reports. Works
   * after close() too. Not from inside a kernel operation.
   */
  check(): string[] {
    return checkKernel(this.task.ctx.r);
  }

  /**
   * Detaches the devices attached through it, terminates every task, stops
   * the supervisor, and closes the init task's handles and names: its ports
   * are destroyed, so every operation still pending on them settles (EPIPE
   * or EBADF) and nothing keeps the process alive.
   */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.devices].map((device) => device.detach()))
      .then(
        () =>
          new Promise<void>((resolve) => {
            this.closed = resolve;
            this.supervisor.ref();
            this.post({ op: 'shutdown' });
          }),
      )
      .then(() => this.supervisor.terminate())
      .then(() => {
        // Init's thread lives on: close its handles and names (its ports die,
        // so its pending operations settle with EPIPE or EBADF), but leave
        // its calls for its own pending code to take.
        this.task.stopUpcalls();
        const r = this.task.ctx.r;
        r.lock();
        releaseAllHandles(r, 0);
        removeBindingsBy(r, 1);
        r.unlock();
      });
    return this.closing;
  }

  private post(request: SupervisorRequest): void {
    this.supervisor.postMessage(request);
  }

  private onNotice(notice: SupervisorNotice): void {
    if (notice.op === 'shutdown-done') {
      this.closed?.();
      return;
    }
    this.onExit(notice);
  }

  private onExit(notice: ExitNotice): void {
    const resolve = this.exits.get(notice.pid);
    this.exits.delete(notice.pid);
    if (--this.liveChildren === 0 && this.closing === undefined) this.supervisor.unref();
    resolve?.(notice.error !== undefined ? { code: notice.code, error: notice.error } : { code: notice.code });
  }
}
