/**
 * Per-task quotas (docs/quotas.md): each task has a limit and a usage
 * counter in its task record for every kind of kernel resource it can make
 * others run short of. The task that *creates* a resource is charged for it
 * (an object and what it reserves, a binding, a call slot, a page delivery)
 * and credited when the resource is freed, by whoever frees it; a resource
 * outliving its creator simply credits nobody (the dead task's record is
 * reset when its slot is reused). Handles pushed into a task by another
 * task's HANDLE_GRANT are counted against the receiver's received-handles
 * budget, and a task may refuse such grants altogether.
 *
 * Charges change under the kernel lock with logged stores, so a task killed
 * half-way through an operation leaves its charges as they were.
 */
import * as L from './layout.js';
import { EAGAIN, EDQUOT, ENOSPC } from './errno.js';
import type { Region } from './region.js';
import { liveSlotOf } from './pids.js';

/** The quota names of the typed API, indexed by QUOTA_* kind. */
export const QUOTA_NAMES = ['handles', 'receivedHandles', 'objects', 'messageSlots', 'pages', 'names', 'calls', 'deliveries'] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];
/** A task's limits, by quota name. */
export type Quotas = Record<QuotaName, number>;

/**
 * A spawned task's default limit for each kernel-wide table is this share of
 * the table: one task can take at most half, so a single hog always leaves
 * the other half to everyone else.
 */
export const DEFAULT_QUOTA_SHARE = 1 / 2;
/**
 * A grant never leaves the receiver fewer free handle slots than this share
 * of its table (rounded down: tables under 16 handles keep no reserve), so
 * that grants alone can never stop a task from creating or connecting.
 */
export const GRANT_RESERVE_SHARE = 1 / 16;

/** Why a charge or a grant was refused, as the typed API reports it. */
export interface QuotaRefusal {
  /** The quota that was hit; 'acceptGrants' when the receiver refuses grants, 'grantReserve' when a grant would take its last free slots. */
  quota: QuotaName | 'acceptGrants' | 'grantReserve';
  /** The pid whose quota it is (the caller, or a grant's receiver). */
  pid: number;
  /** The limit that was hit (the reserve, for 'grantReserve'; 0 for 'acceptGrants'). */
  limit: number;
  /** The errno returned: EDQUOT, or EAGAIN for the deliveries quota (page IPC's in-flight quotas are EAGAIN, docs/objects/pages.md). */
  errno: number;
}

/**
 * The last refusal of this thread: set by the kernel op that returned
 * -EDQUOT, read by the typed API when it turns that errno into an error
 * (synchronously after the op, so no other op of this thread comes between).
 */
let lastRefusal: QuotaRefusal | undefined;

/** The refusal behind this thread's last -EDQUOT, and forgets it. */
export function takeQuotaRefusal(): QuotaRefusal | undefined {
  const refusal = lastRefusal;
  lastRefusal = undefined;
  return refusal;
}

/** Notes why the op is refused and returns -errno (EDQUOT but for the deliveries quota). */
function refuse(quota: QuotaRefusal['quota'], pid: number, limit: number): number {
  const errno = quota === 'deliveries' ? EAGAIN : EDQUOT;
  lastRefusal = { quota, pid, limit, errno };
  return -errno;
}

/** The word offset, in a task record, of what the task is charged for `kind`. */
export function quotaUsedWord(kind: number): number {
  return kind === L.QUOTA_HANDLES ? L.T_HANDLE_COUNT : L.T_QUOTA_USED + kind;
}

/** The size of the kernel-wide table a quota kind draws from. */
export function kernelWideSize(r: Region, kind: number): number {
  switch (kind) {
    case L.QUOTA_HANDLES:
    case L.QUOTA_RECEIVED_HANDLES:
      return r.maxHandles;
    case L.QUOTA_OBJECTS:
      return r.maxObjects;
    case L.QUOTA_MESSAGE_SLOTS:
      return r.messageSlots;
    case L.QUOTA_PAGES:
      return r.pageCount;
    case L.QUOTA_NAMES:
      return r.namespaceEntries;
    case L.QUOTA_CALLS:
      return r.maxCalls;
    default:
      return r.deliveryCount;
  }
}

/**
 * The limits a task gets when its spawner names none: its whole handle
 * table, half of it for received handles, and DEFAULT_QUOTA_SHARE of every
 * kernel-wide table (at least 1). Init (`init`) gets every kernel-wide
 * table whole: it is the kernel's creator; only its received handles are
 * budgeted, like everyone's.
 */
export function defaultQuotas(r: Region, init: boolean): Quotas {
  const quotas = {} as Quotas;
  QUOTA_NAMES.forEach((name, kind) => {
    const size = kernelWideSize(r, kind);
    if (kind === L.QUOTA_HANDLES) quotas[name] = size;
    else if (kind === L.QUOTA_RECEIVED_HANDLES) quotas[name] = Math.max(1, Math.floor(size / 2));
    else quotas[name] = init ? size : Math.max(1, Math.ceil(size * DEFAULT_QUOTA_SHARE));
  });
  return quotas;
}

/**
 * Validates spawn-time quotas (no lock taken): `given` must be an object
 * whose known keys are non-negative integers; `handles` and
 * `receivedHandles` at most the handle table. Returns the full limits,
 * defaults for the names not given. Throws a TypeError or RangeError with
 * a sentence naming the bad quota.
 */
export function quotasFromOptions(r: Region, given: unknown, operation: string): Quotas {
  const quotas = defaultQuotas(r, false);
  if (given === undefined) return quotas;
  if (given === null || typeof given !== 'object') throw new TypeError(`${operation}: quotas must be an object of quota limits, got ${String(given)}`);
  for (const key of Object.keys(given)) {
    if (!(QUOTA_NAMES as readonly string[]).includes(key)) throw new RangeError(`${operation}: unknown quota '${key}' (known: ${QUOTA_NAMES.join(', ')})`);
    const value = (given as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
      throw new RangeError(`${operation}: quota '${key}' must be a non-negative integer, got ${String(value)}`);
    }
    quotas[key as QuotaName] = value;
  }
  if ((given as Partial<Quotas>).receivedHandles === undefined) quotas.receivedHandles = Math.min(quotas.receivedHandles, quotas.handles);
  if (quotas.handles > r.maxHandles) throw new RangeError(`${operation}: quota 'handles' must be at most the handle table (${r.maxHandles}), got ${quotas.handles}`);
  if (quotas.receivedHandles > quotas.handles) throw new RangeError(`${operation}: quota 'receivedHandles' must be at most quota 'handles' (${quotas.handles}), got ${quotas.receivedHandles}`);
  return quotas;
}

/** Gives task `slot` these limits, nothing charged, grants accepted unless `refuseGrants`. Kernel lock held. */
export function setQuotas(r: Region, slot: number, quotas: Quotas, refuseGrants: boolean): void {
  const t = r.task(slot);
  QUOTA_NAMES.forEach((name, kind) => {
    r.set(t + L.T_QUOTA_LIMITS + kind, quotas[name]);
    r.set(t + L.T_QUOTA_USED + kind, 0);
  });
  r.set(t + L.T_REFUSES_GRANTS, refuseGrants ? 1 : 0);
}

/** A task's quotas: its limits, what it is charged now, and whether it accepts grants. */
export interface TaskQuotas {
  limits: Quotas;
  used: Quotas;
  acceptGrants: boolean;
}

/** Task `slot`'s limits and usage, by quota name (for snapshots). Lock not required. */
export function quotasOf(r: Region, slot: number): TaskQuotas {
  const t = r.task(slot);
  const limits = {} as Quotas;
  const used = {} as Quotas;
  QUOTA_NAMES.forEach((name, kind) => {
    limits[name] = r.w[t + L.T_QUOTA_LIMITS + kind]!;
    used[name] = r.w[t + quotaUsedWord(kind)]!;
  });
  return { limits, used, acceptGrants: r.w[t + L.T_REFUSES_GRANTS] === 0 };
}

/**
 * Whether live task `slot` may be charged `amount` more of `kind`: 0, or
 * -EDQUOT (-EAGAIN for QUOTA_DELIVERIES: like page IPC's in-flight page
 * quota, it frees itself as receivers decide). Changes nothing.
 */
export function quotaRoom(r: Region, slot: number, kind: number, amount: number): number {
  const t = r.task(slot);
  const limit = r.w[t + L.T_QUOTA_LIMITS + kind]!;
  return r.w[t + L.T_QUOTA_USED + kind]! + amount > limit ? refuse(QUOTA_NAMES[kind]!, r.w[t + L.T_PID]!, limit) : 0;
}

/**
 * Charges live task `slot` `amount` of `kind`: 0, or -EDQUOT with nothing
 * changed when that would take it past its limit. Kernel lock held.
 */
export function charge(r: Region, slot: number, kind: number, amount: number): number {
  const refused = quotaRoom(r, slot, kind, amount);
  if (refused === 0) r.add(r.task(slot) + L.T_QUOTA_USED + kind, amount);
  return refused;
}

/** Credits `amount` of `kind` to the task with `pid` if it still lives (a dead one's record is reset on reuse). Kernel lock held. */
export function creditPid(r: Region, pid: number, kind: number, amount: number): void {
  const slot = pid === 0 ? -1 : liveSlotOf(r, pid);
  if (slot >= 0) r.add(r.task(slot) + L.T_QUOTA_USED + kind, -amount);
}

/** Charges the creator of object record `o` (O_CREATOR; 0: nobody, always 0). Kernel lock held. */
export function chargeCreator(r: Region, o: number, kind: number, amount: number): number {
  const slot = liveSlotOf(r, r.w[o + L.O_CREATOR]!);
  return slot < 0 ? 0 : charge(r, slot, kind, amount);
}

/** Credits the creator of object record `o`, if it still lives. Kernel lock held. */
export function creditCreator(r: Region, o: number, kind: number, amount: number): void {
  creditPid(r, r.w[o + L.O_CREATOR]!, kind, amount);
}

/**
 * Whether task `slot` may get one more handle in its table: 0, -ENOSPC when
 * the table is full, -EDQUOT when its handles quota is reached.
 */
export function handleRoom(r: Region, slot: number): number {
  const t = r.task(slot);
  const count = r.w[t + L.T_HANDLE_COUNT]!;
  if (count >= r.maxHandles) return -ENOSPC;
  const limit = r.w[t + L.T_QUOTA_LIMITS + L.QUOTA_HANDLES]!;
  return count >= limit ? refuse('handles', r.w[t + L.T_PID]!, limit) : 0;
}

/**
 * Whether another task may push one handle into the table of task `slot`
 * (HANDLE_GRANT): 0, -ENOSPC its table is full, or -EDQUOT when it refuses
 * grants, its received-handles budget is spent, its handles quota is
 * reached, or the grant would leave it fewer free slots than the reserve.
 */
export function grantRoom(r: Region, slot: number): number {
  const room = handleRoom(r, slot);
  if (room < 0) return room;
  const t = r.task(slot);
  const pid = r.w[t + L.T_PID]!;
  if (r.w[t + L.T_REFUSES_GRANTS] !== 0) return refuse('acceptGrants', pid, 0);
  const budget = r.w[t + L.T_QUOTA_LIMITS + L.QUOTA_RECEIVED_HANDLES]!;
  if (r.w[t + L.T_QUOTA_USED + L.QUOTA_RECEIVED_HANDLES]! >= budget) return refuse('receivedHandles', pid, budget);
  const reserve = Math.floor(r.maxHandles * GRANT_RESERVE_SHARE);
  const free = Math.min(r.maxHandles, r.w[t + L.T_QUOTA_LIMITS + L.QUOTA_HANDLES]!) - r.w[t + L.T_HANDLE_COUNT]!;
  return free - 1 < reserve ? refuse('grantReserve', pid, reserve) : 0;
}
