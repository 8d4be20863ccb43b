/**
 * Pids: a task slot plus a generation, so that the pid of a task that exited
 * never names the task that later reuses its slot; and turning a pid back
 * into a live slot.
 */
import * as L from './layout.js';
import type { Region } from './region.js';

/** Generations wrap below this, so that every pid stays a positive int32. */
export const MAX_GENERATION = Math.floor(0x7fffffff / L.PID_SLOT_STRIDE);

export function pidOf(slot: number, gen: number): number {
  return slot + 1 + gen * L.PID_SLOT_STRIDE;
}

/** The slot of a live (starting or running) task with this pid, else -1. Lock not required. */
export function liveSlotOf(r: Region, pid: number): number {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 1 || pid > 0x7fffffff) return -1;
  const slot = (pid - 1) & (L.PID_SLOT_STRIDE - 1);
  if (slot >= r.maxTasks) return -1;
  const t = r.task(slot);
  const state = Atomics.load(r.w, t + L.T_STATE);
  if (state !== L.TASK_RUNNING && state !== L.TASK_STARTING) return -1;
  return r.w[t + L.T_PID] === pid ? slot : -1;
}

