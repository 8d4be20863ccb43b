/**
 * join(): an unrelated process becomes a task of a named kernel that another
 * process created (`Kernel.create({ name })`): it maps the kernel's shared
 * object, claims a task slot under the kernel lock, and rings the
 * kernel's join doorbell so that its supervisor (in the creating process)
 * watches this process and reaps the task when it dies, however it dies.
 *
 * ```ts
 * const task = join('myapp');
 * const echo = task.connect('/srv/echo');
 * ```
 */
import * as L from '../core/layout.js';
import { Region } from '../core/region.js';
import { quotasFromOptions, type Quotas } from '../core/quota.js';
import { ENOENT, EPERM, ESHUTDOWN } from '../core/errno.js';
import { KernelClosedError, NotFoundError, PermissionError } from '../api/errors.js';
import { mapSharedObject, processBackend, sharedObjectName, unlinkSharedObject } from '../backend/process.js';
import { nativeProcess } from '../backend/native.js';
import { Task } from './task.js';
import { claimTaskSlot, DEFAULT_MEMORY_BYTES, MAX_MEMORY_BYTES } from './task-slot.js';

export interface JoinOptions {
  /** The syscall numbering of the new task: 'strat9' (default) or 'rou2exos'. */
  personality?: 'strat9' | 'rou2exos';
  /** Size of the task's user memory in bytes (default 64 KiB). */
  memoryBytes?: number;
  /** The task's quotas, as for Kernel.spawn (docs/quotas.md). */
  quotas?: Partial<Quotas>;
}


/**
 * Joins the kernel named `name` as a new task of this process (its main
 * thread, or whichever thread calls it). Errors, each before anything in
 * the kernel changes: TypeError for a name that cannot be a kernel's;
 * NotFoundError (ENOENT) when no kernel has that name on this machine;
 * PermissionError (EPERM) when this process may not open its shared object
 * (its `mode`, set by the creator, is the boundary); KernelClosedError
 * (ESHUTDOWN) when the process that created it is gone; Error when the
 * object is not a kernel of this version of kipc; OutOfMemoryError when
 * its task table is full; ProcessesUnavailableError without kipc's native
 * part.
 */
export function join(name: string, options: JoinOptions = {}): Task {
  const shm = sharedObjectName(name);
  const personality = options.personality ?? 'strat9';
  if (personality !== 'strat9' && personality !== 'rou2exos') throw new RangeError(`join: unknown personality '${String(personality)}'`);
  const memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  if (!Number.isInteger(memoryBytes) || memoryBytes < 0 || memoryBytes > MAX_MEMORY_BYTES) throw new RangeError(`join: memoryBytes must be an integer from 0 to ${MAX_MEMORY_BYTES}, got ${String(memoryBytes)}`);
  let region: Region;
  try {
    region = new Region(mapSharedObject(shm, 0), processBackend);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new NotFoundError(ENOENT, `join: no kernel named '${name}' on this machine (no ${shm} in /dev/shm)`, { cause: error });
    if (code === 'EACCES' || code === 'EPERM') {
      throw new PermissionError(EPERM, `join: this process may not open the kernel '${name}' (${shm}): its creator's mode option decides who may (default: its user only)`, { cause: error });
    }
    throw error;
  }
  const r = region;
  const initOsPid = Atomics.load(r.w, L.H_INIT_OS_PID);
  if (!nativeProcess('join').processAlive(initOsPid)) {
    throw new KernelClosedError(ESHUTDOWN, `join: the kernel '${name}' is gone: the process that created it (${initOsPid}) has exited`);
  }
  const quotas = quotasFromOptions(r, options.quotas, 'join');
  const slot = claimTaskSlot(r, { parentPid: 0, personality, quotas, refuseGrants: false, joinerOsPid: process.pid }, 'join');
  const t = r.task(slot);
  // The doorbell counted in the claim, rung: the supervisor scans for joined tasks on every ring, and every second.
  Atomics.compareExchange(r.w, t + L.T_STATE, L.TASK_STARTING, L.TASK_RUNNING);
  processBackend.wake(r.w, L.H_JOINS, 1);
  const task = new Task(r, slot, r.w[t + L.T_PID]!, memoryBytes, undefined);
  watchInit(r);
  return task;
}

/**
 * For a task whose kernel was created by another process: when that
 * process (init's) exits, every operation of the task that is blocked, or
 * that comes later, fails with KernelClosedError (ESHUTDOWN from the ABI)
 * saying the kernel is gone, within a bounded time (the backend's wait
 * slice), instead of waiting for ever on a kernel nobody reaps or serves.
 */
export function watchInit(r: Region): void {
  const initOsPid = Atomics.load(r.w, L.H_INIT_OS_PID);
  if (initOsPid === 0 || initOsPid === process.pid || r.backend.watchCreator === undefined) return;
  r.goneError = () => new KernelClosedError(ESHUTDOWN, `kipc: the kernel is gone: the process that created it (init, OS pid ${initOsPid}) has exited`);
  r.backend.watchCreator(r.memory, L.H_KERNEL_GONE, initOsPid);
}

/**
 * Removes the shared object of the kernel named `name` if the process that
 * created it is gone (killed, so that it could not remove it): a new kernel
 * may then take the name. Leaves a live kernel's object, and anything that
 * is not a kipc kernel, alone.
 */
export function removeAbandonedKernel(name: string): void {
  const shm = sharedObjectName(name);
  let words: Int32Array;
  try {
    words = mapSharedObject(shm, 0).words;
  } catch {
    return;
  }
  if (words.length <= L.H_INIT_OS_PID || words[L.H_MAGIC] !== L.KERNEL_MAGIC) return;
  const initOsPid = Atomics.load(words, L.H_INIT_OS_PID);
  if (initOsPid !== 0 && !nativeProcess('Kernel.create').processAlive(initOsPid)) unlinkSharedObject(shm);
}
