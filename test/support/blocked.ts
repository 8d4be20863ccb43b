/**
 * Init side: looking up a task in a kernel snapshot, and waiting until a
 * task is parked (blocked), whatever on or on a given object, type or event.
 */
import type { Kernel, KernelSnapshot, TaskInfo } from '../../src/index.js';
import { waitFor } from './wait.js';

/** What a blocked task is waiting on; every field given must match. */
export interface BlockedOn {
  type?: string;
  event?: string;
  objectId?: number;
}

/** The record of task `pid` in `snap`. */
export function taskOf(snap: KernelSnapshot, pid: number): TaskInfo | undefined {
  return snap.tasks.find((t) => t.pid === pid);
}

/** The record of task `pid` in a fresh snapshot of `kernel`. */
export function taskInfo(kernel: Kernel, pid: number): TaskInfo | undefined {
  return taskOf(kernel.snapshot(), pid);
}

/** Whether task record `t` is blocked on what `on` says. */
function blockedAs(t: TaskInfo | undefined, on: BlockedOn): boolean {
  return (
    t?.state === 'blocked' &&
    (on.type === undefined || t.blockedOn?.type === on.type) &&
    (on.event === undefined || t.blockedOn?.event === on.event) &&
    (on.objectId === undefined || t.blockedOn?.objectId === on.objectId)
  );
}

function describe(pid: number, on: BlockedOn): string {
  const what = [on.event, on.type && `of a ${on.type}`, on.objectId !== undefined && `object ${on.objectId}`].filter(Boolean).join(' ');
  return `task ${pid} to block${what ? ` on ${what}` : ''}`;
}

/** Whether task `pid` is blocked in `snap` on `type`/`event` (of object `objectId`, when given). */
export function isBlockedOn(snap: KernelSnapshot, pid: number, type: string, event: string, objectId?: number): boolean {
  return blockedAs(taskOf(snap, pid), { type, event, objectId });
}

/** Waits until task `pid` is blocked on what `on` says (by default: blocked, whatever on). */
export async function waitBlocked(kernel: Kernel, pid: number, on: BlockedOn = {}): Promise<void> {
  await waitFor(() => blockedAs(taskInfo(kernel, pid), on), describe(pid, on));
}

/** Waits until task `pid` is blocked on `type`/`event` (of object `objectId`, when given). */
export async function waitBlockedOn(kernel: Kernel, pid: number, type: string, event: string, objectId?: number): Promise<void> {
  await waitBlocked(kernel, pid, { type, event, objectId });
}

/** Waits until task `pid` is blocked in a receive on its own mailbox (a Strat9 task's mailbox may be made by that receive). */
export async function waitReceiving(kernel: Kernel, pid: number): Promise<void> {
  await waitFor(() => {
    const t = taskInfo(kernel, pid);
    return blockedAs(t, { type: 'mailbox', event: 'readable' }) && t!.mailbox !== undefined && t!.blockedOn?.objectId === t!.mailbox;
  }, `task ${pid} to block in a receive on its mailbox`);
}
