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
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import * as L from '../core/layout.js';
import { bootRegion } from '../core/boot.js';
import { Reap } from '../ops/reap.js';
import { wakeEveryWaiter } from '../core/object-table.js';
import { EINVAL, ESHUTDOWN } from '../core/errno.js';
import { type Quotas, quotasFromOptions } from '../core/quota.js';
import { type NamespacePolicy, parseNamespacePolicy } from '../objects/namespace/policy.js';
import { Task } from './task.js';
import { claimTaskSlot, DEFAULT_MEMORY_BYTES, MAX_MEMORY_BYTES } from './task-slot.js';
import { preloading } from './preload.js';
import { DEFAULT_TASK_HOST, PROCESS_TASK_HOST } from './task-hosts.js';
import { processBackend } from '../backend/process.js';
import { removeAbandonedKernel } from './join.js';
import { toProcessData } from './process-data.js';
import { hostOptionsOf, type TaskResourceLimits } from './host-options.js';
import type { KernelSnapshot, KernelUsage } from './snapshot.js';
import type { SupervisorBoot, SupervisorNotice, SupervisorRequest } from './protocol.js';
import { SUPERVISOR_TAG } from '../core/region.js';
import { releaseQueueLocksOf } from '../core/queue.js';
import { InvalidArgumentError, KernelClosedError, TaskCrashedError } from '../api/errors.js';
import { Handle } from '../api/handle.js';
import { NetworkInterface } from '../devices/network-interface.js';
import type { FrameLink } from '../devices/frame-link.js';
import { KeyboardDevice, type KeyboardOptions } from '../devices/keyboard-device.js';
import { checkKernel } from '../check/index.js';
import type { Backend } from '../backend/backend.js';
import { assertBackend, defaultBackend } from '../backend/registry.js';
import type { Region } from '../core/region.js';

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
  /**
   * Where the kernel's memory comes from and how its tasks sleep and wake
   * (docs/design.md, "Backend and task host"). Default: the thread backend
   * (a SharedArrayBuffer and Atomics, for worker-thread tasks). Every
   * thread that attaches finds it by its name, so another backend must be
   * registered in each (registerBackend).
   */
  backend?: Backend;
  /**
   * true: the kernel's memory is a shared-memory object that other OS
   * processes map (the process backend, Linux; docs/processes.md), so that
   * `spawn(url, { process: true })` can start tasks as child processes.
   * Implied by `name`. Throws ProcessesUnavailableError where the native
   * part of kipc is missing (the message says how to build it).
   */
  processes?: boolean;
  /**
   * A name unique on this machine (1 to 200 letters, digits, '_', '.', '-')
   * under which other processes find the kernel (`/dev/shm/kipc.<name>`);
   * implies `processes`. Throws Error if a live kernel has it already.
   */
  name?: string;
  /** Who may map a named kernel: permission bits of its shared object (default 0o600, this user only). */
  mode?: number;
}

export interface SpawnOptions<D = unknown> {
  /**
   * Any structured-cloneable value; the task reads it as `task.data`. A
   * task that is a process gets a copy: a SharedArrayBuffer reaches it only
   * if it lives in shared memory, and is refused otherwise.
   */
  data?: D;
  /** Size of the task's user memory in bytes (default 64 KiB). */
  memoryBytes?: number;
  /**
   * The syscall numbering the task speaks: 'strat9' (default) or 'rou2exos'
   * (mailboxes, network, keyboard pipe, see docs/README.md, "Syscalls"; such a
   * task gets its mailbox at once). Pids are shared by both.
   */
  personality?: 'strat9' | 'rou2exos';
  /**
   * The task's budget of each kernel resource (docs/quotas.md); those not
   * given default to its whole handle table, half of it for received
   * handles, and half of each kernel-wide table. Past one, the operation
   * is EDQUOT (QuotaExceededError naming the quota). Non-negative integers;
   * `handles` at most maxHandles, `receivedHandles` at most `handles`.
   */
  quotas?: Partial<Quotas>;
  /** false: other tasks' HANDLE_GRANT into this task fail with EDQUOT (default true; see Task.refuseGrants). */
  acceptGrants?: boolean;
  /**
   * Confines the task's namespace (docs/namespace.md): it may bind only
   * within `bind` and connect only within `connect` (an omitted list
   * allows nothing; `['/']` allows all), and its connects resolve only to
   * bindings within `connect`. Without it the task is unrestricted.
   */
  namespace?: NamespacePolicy;
  /**
   * true: the task is a child Node process rather than a worker thread
   * (docs/processes.md); its module calls attach() all the same, and
   * terminate() kills it with SIGKILL. Needs a kernel created with
   * `{ processes: true }` or a name (TypeError otherwise).
   */
  process?: boolean;
  /** Node options for the task's thread or process, after those of this process that it inherits (`--inspect`, `--expose-gc`...). */
  execArgv?: string[];
  /** The task's environment (`process.env` in a worker, the environment of a process); default: this process's. */
  env?: Record<string, string>;
  /**
   * V8's limits for the task (as `new Worker()` takes them); a task past its
   * heap limit dies (`exited` says so) and is cleaned up like any other. A
   * process takes all but `codeRangeSizeMb`, as command-line flags.
   */
  resourceLimits?: TaskResourceLimits;
  /**
   * Handles of init's to install in the task before it runs, as grants
   * (same rights; they count against its received-handles budget): the
   * task finds their values in `task.handles`, in this order. Each must be
   * a handle of this kernel's init (TypeError otherwise, and with
   * `acceptGrants: false`); a grant the kernel refuses (the handle lacks
   * the grant right, a quota) makes spawn throw that error, and the task
   * is reaped without running.
   */
  handles?: readonly Handle[];
}

/** How a task ended. */
export interface TaskExit {
  code: number;
  /** The uncaught error's stack, when that is how it ended. */
  error?: string;
  /**
   * Set when the kernel failed to clean up after the task (a kipc bug or a
   * corrupted kernel; also emitted as the kernel's 'error' event): what the
   * task held stays allocated, but the kernel and every other task go on.
   */
  cleanupError?: string;
}

export interface TaskHandle {
  readonly pid: number;
  /** Settles when the task has stopped and the kernel has cleaned up after it. */
  readonly exited: Promise<TaskExit>;
  /** Stops the task at whatever instruction it is on; resolves once it is reaped. */
  terminate(): Promise<TaskExit>;
}

/** How long after a crash its `exited` may still be looked at before the crash is reported as unheard (TaskCrashedError). */
const CRASH_REPORT_GRACE_MS = 1000;

const TASK_STATE_NAMES: Readonly<Record<number, string>> = { [L.TASK_STARTING]: 'starting', [L.TASK_RUNNING]: 'running', [L.TASK_DYING]: 'dying' };

/**
 * A clone of spawn data, made here so that data no thread could receive is
 * refused before a task slot is taken (the clone is what the task gets).
 */
function cloneData(data: unknown): unknown {
  try {
    return structuredClone(data);
  } catch (error) {
    throw new InvalidArgumentError(EINVAL, `Kernel.spawn: options.data cannot be cloned to a worker thread (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

/**
 * Events: `'error'`, with
 * - a TaskCrashedError when a spawned task dies of an uncaught error and
 *   nobody looks at its `exited` within a second (so that no crash goes
 *   unheard);
 * - an `Error` when the kernel's supervisor fails to clean up after a
 *   task, or fails itself. The kernel lock is recovered first, so the
 *   kernel keeps working.
 * Without a listener the error becomes a process warning instead of an
 * exception.
 */
export class Kernel extends EventEmitter {
  /** The init task (pid 1): the thread that created the kernel. */
  readonly task: Task;
  private readonly supervisor: Worker;
  /** The spawned tasks not yet reaped: how to settle `exited`, and whether anyone has looked at it. */
  private readonly exits = new Map<number, { settle: (exit: TaskExit) => void; watched: boolean; url: string }>();
  private liveChildren = 0;
  /** Devices attached through this object: close() detaches them. */
  private readonly devices = new Set<{ detach(): unknown }>();
  private closing: Promise<void> | undefined;
  /** Set once the supervisor thread has failed: tasks can no longer be started. */
  private supervisorFailure: string | undefined;
  private closed: (() => void) | undefined;

  private constructor(region: Region, memoryBytes: number) {
    super();
    this.task = new Task(region, 0, 1, memoryBytes, undefined);
    // Which process is init: processes that join check that it still lives.
    Atomics.store(region.w, L.H_INIT_OS_PID, process.pid);
    Atomics.store(region.w, region.task(0) + L.T_OS_PID, process.pid);
    const { name, module } = region.backend;
    const boot: SupervisorBoot = { backend: name, memory: region.backend.share(region.memory), ...(module !== undefined ? { backendModule: module } : {}) };
    this.supervisor = new Worker(new URL('./supervisor.js', import.meta.url), { workerData: boot, ...preloading(module) });
    this.supervisor.on('message', (notice: SupervisorNotice) => this.onNotice(notice));
    this.supervisor.on('error', (error) => this.onSupervisorFailed(error));
    this.supervisor.unref();
  }

  /** The kernel region, to hand to other runtimes or inspect: the buffer under the backend's memory. */
  get buffer(): SharedArrayBuffer {
    return this.task.ctx.r.bytes.buffer as SharedArrayBuffer;
  }

  /**
   * Lays out a new kernel region and makes the calling thread its init task.
   * Throws RangeError for a limit out of its range, TypeError for a
   * `backend` that is not one.
   */
  static create(options: KernelOptions = {}): Kernel {
    const limits: L.Limits = { ...L.DEFAULT_LIMITS, maxSpinners: Math.max(1, availableParallelism() - 1) };
    for (const key of Object.keys(limits) as (keyof L.Limits)[]) {
      const value = options[key];
      if (value !== undefined) limits[key] = value;
    }
    const processes = options.processes === true || options.name !== undefined;
    if (options.processes !== undefined && typeof options.processes !== 'boolean') throw new TypeError(`Kernel.create: processes must be a boolean, got ${String(options.processes)}`);
    if (processes && options.backend !== undefined && options.backend !== processBackend) {
      throw new TypeError('Kernel.create: a kernel shared with processes (processes or name) lives on the process backend; give no other backend');
    }
    if (!processes && options.mode !== undefined) throw new TypeError('Kernel.create: mode is for a kernel shared with processes (give processes: true or a name)');
    const backend = processes ? processBackend : options.backend === undefined ? defaultBackend() : options.backend;
    assertBackend(backend, 'Kernel.create');
    if (options.name !== undefined) removeAbandonedKernel(options.name);
    const allocation = processes ? { ...(options.name !== undefined ? { name: options.name } : {}), ...(options.mode !== undefined ? { mode: options.mode } : {}) } : undefined;
    return new Kernel(bootRegion(limits, backend, allocation), options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
  }

  /**
   * Starts a task running the ES module at `module` in a worker thread. The
   * module calls `attach()` to get its Task. Every option is checked before
   * a task slot is taken, so a bad one changes nothing.
   * Errors: InvalidArgumentError `options.data` cannot be cloned to another
   * thread (a function, a symbol, a class instance with private state...),
   * or `memoryBytes` is not an integer in 0..2^30; TypeError or RangeError
   * an invalid `personality`, `quotas`, `acceptGrants` or `namespace`;
   * OutOfMemoryError the task table is full; KernelClosedError after close();
   * Error the kernel's supervisor thread has failed (see the 'error' event).
   */
  spawn<D = unknown>(module: string | URL, options: SpawnOptions<D> = {}): TaskHandle {
    this.assertOpen('Kernel.spawn');
    if (this.supervisorFailure !== undefined) throw new Error(`Kernel.spawn: no task can be started, ${this.supervisorFailure}`);
    const url = module instanceof URL ? module.href : /^[a-z]+:/i.test(module) ? module : pathToFileURL(module).href;
    const personality = options.personality ?? 'strat9';
    if (personality !== 'strat9' && personality !== 'rou2exos') throw new RangeError(`Kernel.spawn: unknown personality '${String(personality)}'`);
    const memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
    if (!Number.isInteger(memoryBytes) || memoryBytes < 0 || memoryBytes > MAX_MEMORY_BYTES) {
      throw new InvalidArgumentError(EINVAL, `Kernel.spawn: memoryBytes must be an integer from 0 to ${MAX_MEMORY_BYTES}, not ${String(memoryBytes)}`);
    }
    const data = options.process === true ? toProcessData(options.data) : cloneData(options.data);
    const r = this.task.ctx.r;
    const quotas = quotasFromOptions(r, options.quotas, 'Kernel.spawn');
    if (options.acceptGrants !== undefined && typeof options.acceptGrants !== 'boolean') throw new TypeError(`Kernel.spawn: acceptGrants must be a boolean, got ${String(options.acceptGrants)}`);
    const policy = options.namespace === undefined ? undefined : parseNamespacePolicy(options.namespace, r.maxPathBytes, 'Kernel.spawn');
    if (options.process !== undefined && typeof options.process !== 'boolean') throw new TypeError(`Kernel.spawn: process must be a boolean, got ${String(options.process)}`);
    if (options.process === true && r.backend !== processBackend) {
      throw new TypeError('Kernel.spawn: a task can be a process only in a kernel that processes can map: create it with Kernel.create({ processes: true }) or a name');
    }
    const hostOptions = hostOptionsOf(options, options.process === true, 'Kernel.spawn');
    const given = this.handlesToGive(options.handles, options.acceptGrants === false);
    const slot = claimTaskSlot(r, { parentPid: 1, personality, quotas, refuseGrants: options.acceptGrants === false, ...(policy !== undefined ? { policy } : {}) }, 'Kernel.spawn');
    const pid = r.w[r.task(slot) + L.T_PID]!;
    const host = options.process === true ? PROCESS_TASK_HOST : DEFAULT_TASK_HOST;
    const handles: number[] = [];
    try {
      for (const handle of given) handles.push(handle.grant(pid));
    } catch (error) {
      // The slot is taken: the supervisor reaps it (and what was granted) without starting the task.
      this.post({ op: 'spawn', host, slot, pid, url, data: undefined, memoryBytes, options: {}, handles, refused: String(error) });
      throw error;
    }
    const entry = { settle: (_: TaskExit): void => {}, watched: false, url };
    const exited = new Promise<TaskExit>((resolve) => (entry.settle = resolve));
    this.exits.set(pid, entry);
    this.post({ op: 'spawn', host, slot, pid, url, data, memoryBytes, options: hostOptions, handles });
    if (this.liveChildren++ === 0) this.supervisor.ref();
    return {
      pid,
      get exited() {
        entry.watched = true;
        return exited;
      },
      terminate: () => {
        entry.watched = true;
        this.post({ op: 'terminate', pid });
        return exited;
      },
    };
  }

  /** The handles of SpawnOptions.handles, checked: init's own handles of this kernel. */
  private handlesToGive(handles: unknown, refusesGrants: boolean): readonly Handle[] {
    if (handles === undefined) return [];
    if (!Array.isArray(handles) || handles.some((h) => !(h instanceof Handle) || h.ctx !== this.task.ctx)) {
      throw new TypeError("Kernel.spawn: handles must be an array of init's handles (ports, channel ends, semaphores...) of this kernel");
    }
    if (handles.length > 0 && refusesGrants) throw new TypeError('Kernel.spawn: handles are installed as grants, which acceptGrants: false refuses');
    return handles as Handle[];
  }

  /**
   * Attaches a network interface on `link` (a UdpFrameLink, a
   * PcapReplayLink, or your own FrameLink): frames it receives are routed to
   * tasks' mailboxes, frames the driver task transmits go out of it. It runs
   * on this thread. Throws BusyError if one is attached already.
   */
  async attachNetwork(link: FrameLink): Promise<NetworkInterface> {
    this.assertOpen('Kernel.attachNetwork');
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
    this.assertOpen('Kernel.attachKeyboard');
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
    const r = this.task.ctx.r;
    const problems = checkKernel(r);
    // What only this object knows: which tasks it started a thread for.
    for (let slot = 1; slot < r.maxTasks; slot++) {
      const t = r.task(slot);
      const state = Atomics.load(r.w, t + L.T_STATE);
      if (state !== L.TASK_STARTING && state !== L.TASK_RUNNING && state !== L.TASK_DYING) continue;
      const pid = r.w[t + L.T_PID]!;
      // A task that joined from a process of its own (no parent, an OS pid) is watched by the supervisor, not started by this object.
      if (r.w[t + L.T_PARENT] === 0 && r.w[t + L.T_OS_PID] !== 0) continue;
      if (!this.exits.has(pid)) problems.push(`task slot ${slot} (pid ${pid}): ${TASK_STATE_NAMES[state]} but this kernel runs no thread for it and awaits no exit (a task slot lost for good)`);
    }
    return problems;
  }

  /**
   * Closes the kernel: detaches the devices attached through it, terminates
   * every task (each is reaped as if it died), stops the supervisor, and
   * releases everything init holds, as for a task that dies: its calls are
   * withdrawn, calls it received get EPIPE, its handles and names, mailbox,
   * registrations, subscription and pages go, so its objects are freed.
   * Every operation of init still pending (a receive, a call, a mailbox or
   * keyboard wait, a wait on many) then rejects with KernelClosedError, and
   * so does every later use of this kernel or of init's task (the ABI
   * returns -ESHUTDOWN), but for check(), snapshot() and usage(), which
   * keep working. Idempotent: every call returns the same promise.
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
      .then(() => this.closeInit());
    return this.closing;
  }

  /**
   * Releases what init holds (a reap that keeps its slot), then makes every
   * pending and later operation of init fail with KernelClosedError and
   * wakes every word it may be waiting on, so that nothing keeps the
   * process alive.
   */
  private closeInit(): void {
    this.task.stopUpcalls();
    const r = this.task.ctx.r;
    const reap = new Reap(0, 1, 0, true);
    while (!reap.done) {
      r.lock();
      try {
        reap.step(r);
      } catch (error) {
        // As in the supervisor: undone, reported, and the close goes on.
        r.rollback();
        releaseQueueLocksOf(r, r.lockTag);
        r.unlock();
        this.reportError(new Error(`kipc: releasing what init holds failed; the kernel is closed all the same: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
        break;
      }
      r.unlock();
    }
    r.closedError = () => new KernelClosedError(ESHUTDOWN, 'kipc: the kernel is closed (Kernel.close() was called)');
    wakeEveryWaiter(r);
    r.backend.release?.(r.memory);
  }

  /** Throws KernelClosedError once close() has begun. */
  private assertOpen(operation: string): void {
    if (this.closing !== undefined) throw new KernelClosedError(ESHUTDOWN, `${operation}: the kernel is closed (Kernel.close() was called)`);
  }

  private post(request: SupervisorRequest): void {
    this.supervisor.postMessage(request);
  }

  private onNotice(notice: SupervisorNotice): void {
    switch (notice.op) {
      case 'shutdown-done':
        this.closed?.();
        return;
      case 'reap-failed':
        this.reportError(new Error(`kipc: cleanup after ${notice.pid === 0 ? 'a task' : `task ${notice.pid}`} failed; what it held stays allocated, the kernel goes on: ${notice.error}`));
        if (notice.pid !== 0) this.settleExit(notice.pid, { code: notice.code, cleanupError: notice.error });
        return;
      case 'exit':
        this.settleExit(notice.pid, notice.error !== undefined ? { code: notice.code, error: notice.error } : { code: notice.code });
        return;
    }
  }

  private settleExit(pid: number, exit: TaskExit): void {
    const entry = this.exits.get(pid);
    if (entry === undefined) return;
    this.exits.delete(pid);
    if (--this.liveChildren === 0 && this.closing === undefined) this.supervisor.unref();
    entry.settle(exit);
    const error = exit.error;
    if (error === undefined || entry.watched) return;
    // A crash nobody may ever hear of: unless someone looks at this task's `exited` within the grace, say so.
    setTimeout(() => {
      if (!entry.watched) this.reportError(new TaskCrashedError(pid, entry.url, exit.code, error));
    }, CRASH_REPORT_GRACE_MS).unref();
  }

  /**
   * The supervisor thread itself died (a kipc bug): if it held the kernel
   * lock, its half-done step is undone and the lock freed, so that this
   * thread's kernel calls go on; tasks can no longer be spawned or reaped,
   * and every pending `exited` settles with the error.
   */
  private onSupervisorFailed(error: unknown): void {
    const r = this.task.ctx.r;
    if (r.seizeFromDead(SUPERVISOR_TAG)) {
      releaseQueueLocksOf(r, SUPERVISOR_TAG);
      r.unlock();
    }
    const message = `kipc: the kernel's supervisor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    this.supervisorFailure = message;
    this.reportError(new Error(message));
    for (const pid of [...this.exits.keys()]) this.settleExit(pid, { code: 1, cleanupError: message });
  }

  private reportError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.emitWarning(error.message, 'KipcWarning');
  }
}
