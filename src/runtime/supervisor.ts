/**
 * The supervisor thread: starts tasks through their host (task-host.ts),
 * and when one stops for any reason (return, uncaught error, terminate)
 * reaps it under the kernel lock, recovering the lock first if the task
 * died holding it. It never blocks on
 * a lock for long: its event loop is where deaths are learnt, and a death it
 * has not yet learnt may be what a lock is waiting for.
 *
 * It runs in its own worker so that reaping never waits for the creator's
 * event loop: a creator blocked in a synchronous call to a task that crashes
 * still gets its EPIPE.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Region, SUPERVISOR_TAG } from '../core/region.js';
import * as L from '../core/layout.js';
import { Reap } from '../ops/reap.js';
import { QueueLockBusy, hasQueue, recoverQueueLocks, releaseQueueLocksOf } from '../core/queue.js';
import type { SupervisorBoot, SupervisorNotice, SupervisorRequest, TaskBoot } from './protocol.js';
import type { HostedTask } from './task-host.js';
import { hostNamed } from './task-hosts.js';
import { backendNamed } from '../backend/registry.js';
import { processBackend } from '../backend/process.js';
import { nativeProcess } from '../backend/native.js';

const { backend: backendName, backendModule, memory } = workerData as SupervisorBoot;
const backend = backendNamed(backendName);
const region = new Region(backend.open(memory), backend);
region.lockTag = SUPERVISOR_TAG;
/** Tasks started and not yet stopped, by pid. */
const running = new Map<number, HostedTask>();
let shuttingDown = false;

function notify(notice: SupervisorNotice): void {
  parentPort!.postMessage(notice);
}

/** A task whose thread has stopped, waiting to be reaped. */
interface Dying {
  slot: number;
  pid: number;
  code: number;
  error?: string;
  /** Its reap, once begun. */
  reap?: Reap;
}
const dying: Dying[] = [];
let reapScheduled = false;

/** How long one attempt to take the kernel lock may spin before backing off to the event loop. */
const LOCK_ATTEMPT_MS = 2;
/** How long reaping may run before the event loop gets a turn (deaths, spawns and terminations are learnt there). */
const REAP_SLICE_MS = 5;

/**
 * A task's thread stopped: mark it dying at once, without the lock, so that
 * any thread holding the kernel lock and waiting for a queue lock it held
 * may take that over; then reap it as soon as the kernel lock is free.
 */
function onExit(entry: Dying): void {
  Atomics.store(region.w, region.task(entry.slot) + L.T_STATE, L.TASK_DYING);
  dying.push(entry);
  scheduleReap(0);
}

function scheduleReap(delayMs: number): void {
  if (reapScheduled) return;
  reapScheduled = true;
  setTimeout(reapPending, delayMs);
}

/**
 * Takes the kernel lock, seizing it (and undoing the half-done operation)
 * from a dying holder. Gives up after a short spin so that the event loop,
 * which is where deaths are learnt, never waits on a thread that may be dead.
 */
function tryKernelLock(): boolean {
  const w = region.w;
  const giveUpAt = performance.now() + LOCK_ATTEMPT_MS;
  for (;;) {
    if (Atomics.compareExchange(w, L.H_LOCK, 0, SUPERVISOR_TAG) === 0) return true;
    const holder = Atomics.load(w, L.H_LOCK);
    if (holder >= 1 && holder <= region.maxTasks && Atomics.load(w, region.task(holder - 1) + L.T_STATE) === L.TASK_DYING) {
      if (region.seizeFromDead(holder)) return true;
    }
    if (performance.now() > giveUpAt) return false;
  }
}

/** Undoes the critical section in progress and frees every lock the supervisor holds. */
function backOff(): void {
  region.rollback();
  releaseQueueLocksOf(region, SUPERVISOR_TAG);
  region.unlock();
}

/**
 * Reaps the dying tasks, oldest first, a bounded step per critical section
 * (see Reap), for at most REAP_SLICE_MS before the event loop gets a turn.
 * First, in a critical section of its own, the queue locks the dying tasks
 * held are taken over and repaired. If a step meets a queue lock that stays
 * busy (its holder may be dead without our knowing yet), the step is undone
 * and retried after the event loop has had a turn. If a step fails for any
 * other reason (a kipc bug), it is undone, the locks are freed, the task is
 * reported as not cleaned up, and the supervisor goes on with the others:
 * one failed reap never wedges the kernel.
 */
function reapPending(): void {
  reapScheduled = false;
  if (dying.length === 0) return;
  if (!tryKernelLock()) return scheduleReap(1);
  try {
    for (let slot = 0; slot < region.maxObjects; slot++) {
      if (hasQueue(region.w[region.object(slot) + L.O_TYPE]!)) recoverQueueLocks(region, region.object(slot));
    }
  } catch (error) {
    backOff();
    reportFailure(undefined, error);
    return scheduleReap(1);
  }
  region.unlock();
  const sliceEnd = performance.now() + REAP_SLICE_MS;
  while (dying.length > 0) {
    if (performance.now() > sliceEnd) return scheduleReap(0);
    const entry = dying[0]!;
    const reap = (entry.reap ??= new Reap(entry.slot, entry.pid, entry.code));
    if (!tryKernelLock()) return scheduleReap(1);
    try {
      reap.step(region);
    } catch (error) {
      backOff();
      reap.retry();
      if (error instanceof QueueLockBusy) return scheduleReap(1);
      dying.shift();
      reportFailure(entry, error);
      continue;
    }
    region.unlock();
    if (!reap.done) continue;
    dying.shift();
    notify({ op: 'exit', pid: entry.pid, code: entry.code, ...(entry.error !== undefined ? { error: entry.error } : {}) });
  }
  if (shuttingDown && running.size === 0) notify({ op: 'shutdown-done' });
}

/**
 * A reap step failed for a reason other than a busy lock: a kipc bug, or a
 * corrupted kernel. Its stores were undone and the locks freed; the task
 * stays TASK_DYING (its slot is not reused), and the kernel is told.
 */
function reportFailure(entry: Dying | undefined, error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  notify({ op: 'reap-failed', pid: entry?.pid ?? 0, code: entry?.code ?? 0, error: message });
}

function spawn(request: Extract<SupervisorRequest, { op: 'spawn' }>): void {
  const { slot, pid } = request;
  if (request.refused !== undefined) {
    // Claimed, never started: reaped at once (which releases what spawn installed).
    onExit({ slot, pid, code: 1, error: request.refused });
    return;
  }
  const boot: TaskBoot = { backend: backendName, memory, slot, pid, memoryBytes: request.memoryBytes, handles: request.handles, ...(backendModule !== undefined ? { backendModule } : {}) };
  let task: HostedTask;
  try {
    task = hostNamed(request.host).start(
      { url: request.url, boot, data: request.data, options: request.options },
      {
        running: () => void Atomics.compareExchange(region.w, region.task(slot) + L.T_STATE, L.TASK_STARTING, L.TASK_RUNNING),
        exited: (code, error) => {
          running.delete(pid);
          onExit({ slot, pid, code, ...(error !== undefined ? { error } : {}) });
        },
      },
    );
  } catch (error) {
    onExit({ slot, pid, code: 1, error: String(error) });
    return;
  }
  running.set(pid, task);
}

/**
 * Joined tasks (join(): a process of its own, not started by this
 * supervisor, T_PARENT 0): each is watched through its OS pid (a pidfd)
 * and reaped like any task when its process ends, however it ends. The
 * join doorbell (H_JOINS) says when to look; a scan every second as well
 * finds a joiner that died between claiming its slot and ringing.
 */
const watchedJoiners = new Set<number>();
const JOIN_SCAN_MS = 1000;

function watchJoiners(): void {
  const native = nativeProcess('kipc supervisor');
  for (let slot = 1; slot < region.maxTasks; slot++) {
    const t = region.task(slot);
    const state = Atomics.load(region.w, t + L.T_STATE);
    if (state !== L.TASK_STARTING && state !== L.TASK_RUNNING) continue;
    const pid = region.w[t + L.T_PID]!;
    const osPid = region.w[t + L.T_OS_PID]!;
    if (region.w[t + L.T_PARENT] !== 0 || osPid === 0 || watchedJoiners.has(pid)) continue;
    watchedJoiners.add(pid);
    const gone = (): void => {
      watchedJoiners.delete(pid);
      // The slot may have been reaped and reused meanwhile: only this pid's task dies.
      if (region.w[t + L.T_PID] === pid) onExit({ slot, pid, code: 0 });
    };
    try {
      void native.watchProcess(osPid).then(gone);
    } catch {
      gone();
    }
  }
}

async function serveJoins(): Promise<void> {
  for (;;) {
    const seen = Atomics.load(region.w, L.H_JOINS);
    watchJoiners();
    await backend.waitAsync(region.w, L.H_JOINS, seen, JOIN_SCAN_MS);
  }
}

if (backend === processBackend) void serveJoins();

parentPort!.on('message', (request: SupervisorRequest) => {
  switch (request.op) {
    case 'spawn':
      spawn(request);
      break;
    case 'terminate':
      running.get(request.pid)?.terminate();
      break;
    case 'shutdown':
      shuttingDown = true;
      if (running.size === 0 && dying.length === 0) notify({ op: 'shutdown-done' });
      for (const task of running.values()) task.terminate();
      break;
  }
});
