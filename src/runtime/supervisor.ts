/**
 * The supervisor thread: starts task workers, and when one stops for any
 * reason (return, uncaught error, terminate) reaps it under the kernel lock,
 * recovering the lock first if the task died holding it.
 *
 * It runs in its own worker so that reaping never waits for the creator's
 * event loop: a creator blocked in a synchronous call to a task that crashes
 * still gets its EPIPE.
 */
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { Region, SUPERVISOR_TAG } from '../kernel/region.js';
import * as L from '../kernel/layout.js';
import { reapTask } from '../kernel/cleanup.js';
import { TASK_BOOT_KEY, type SupervisorNotice, type SupervisorRequest, type TaskBoot } from './protocol.js';

const region = new Region((workerData as { buffer: SharedArrayBuffer }).buffer);
region.lockTag = SUPERVISOR_TAG;
const workers = new Map<number, Worker>();
let shuttingDown = false;

function notify(notice: SupervisorNotice): void {
  parentPort!.postMessage(notice);
}

function reap(slot: number, code: number): void {
  if (!region.seizeFromDead(slot + 1)) region.lock();
  try {
    reapTask(region, slot, code);
  } finally {
    region.unlock();
  }
}

function spawn(request: Extract<SupervisorRequest, { op: 'spawn' }>): void {
  const boot: TaskBoot = { buffer: region.buffer, slot: request.slot, pid: request.pid, memoryBytes: request.memoryBytes };
  let worker: Worker;
  try {
    worker = new Worker(new URL(request.url), { workerData: { [TASK_BOOT_KEY]: boot, data: request.data } });
  } catch (error) {
    reap(request.slot, 1);
    notify({ op: 'exit', pid: request.pid, code: 1, error: String(error) });
    return;
  }
  workers.set(request.pid, worker);
  let failure: string | undefined;
  worker.on('online', () => {
    const t = region.task(request.slot);
    Atomics.compareExchange(region.w, t + L.T_STATE, L.TASK_STARTING, L.TASK_RUNNING);
  });
  worker.on('error', (error: Error) => {
    failure = error?.stack ?? String(error);
  });
  worker.on('exit', (code) => {
    workers.delete(request.pid);
    reap(request.slot, failure !== undefined && code === 0 ? 1 : code);
    notify({ op: 'exit', pid: request.pid, code, ...(failure !== undefined ? { error: failure } : {}) });
    if (shuttingDown && workers.size === 0) notify({ op: 'shutdown-done' });
  });
}

parentPort!.on('message', (request: SupervisorRequest) => {
  switch (request.op) {
    case 'spawn':
      spawn(request);
      break;
    case 'terminate':
      void workers.get(request.pid)?.terminate();
      break;
    case 'shutdown':
      shuttingDown = true;
      if (workers.size === 0) notify({ op: 'shutdown-done' });
      for (const worker of workers.values()) void worker.terminate();
      break;
  }
});
