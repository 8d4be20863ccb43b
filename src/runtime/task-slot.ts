/**
 * Claiming a task slot for a new task, the one step that spawn (a task this
 * kernel starts) and join (a process that joins by itself) share: under
 * the kernel lock, a slot with its quotas, its namespace policy and (for
 * rou2exOS) its mailbox, all or nothing.
 */
import * as L from '../core/layout.js';
import type { Region } from '../core/region.js';
import { allocTask } from '../core/task-table.js';
import type { Quotas } from '../core/quota.js';
import { type PolicyEntry, writePolicyLocked } from '../objects/namespace/policy.js';
import { ensureMailboxLocked } from '../objects/mailbox/mailbox.js';
import { PERSONALITY_ROU2EXOS, PERSONALITY_STRAT9 } from '../syscalls/numbers.js';
import { check } from '../api/errors.js';

/** A task's private user memory: the default size, and the largest. */
export const DEFAULT_MEMORY_BYTES = 64 * 1024;
export const MAX_MEMORY_BYTES = 1 << 30;

export interface SlotClaim {
  /** The parent's pid; 0 for a process that joins. */
  parentPid: number;
  personality: 'strat9' | 'rou2exos';
  quotas: Quotas;
  refuseGrants: boolean;
  /** A confined task's parsed namespace policy (parseNamespacePolicy). */
  policy?: readonly PolicyEntry[];
  /** A process that joins: its OS pid, recorded, and the join doorbell (H_JOINS) counted for the supervisor. */
  joinerOsPid?: number;
}

/**
 * Claims a slot as `claim` says (in state TASK_STARTING) and returns it.
 * Throws the errno's typed error naming `operation` (OutOfMemoryError: the
 * task table or the object table is full), with nothing changed.
 */
export function claimTaskSlot(r: Region, claim: SlotClaim, operation: string): number {
  r.lock();
  const slot = allocTask(r, claim.parentPid, claim.personality === 'rou2exos' ? PERSONALITY_ROU2EXOS : PERSONALITY_STRAT9, claim.quotas, claim.refuseGrants);
  if (slot >= 0 && claim.policy !== undefined) writePolicyLocked(r, slot, claim.policy);
  if (slot >= 0 && claim.joinerOsPid !== undefined) {
    r.set(r.task(slot) + L.T_OS_PID, claim.joinerOsPid);
    Atomics.add(r.w, L.H_JOINS, 1);
  }
  const made = slot < 0 || claim.personality !== 'rou2exos' ? slot : ensureMailboxLocked(r, slot);
  if (made < 0) r.fail(made);
  else r.unlock();
  check(made, operation);
  return slot;
}
