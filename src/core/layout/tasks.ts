/**
 * The task table: one record of TASK_WORDS words per task slot (maxTasks
 * records, from H_OFF_TASKS), starting on a pair of cache lines. A task's
 * pid names its slot and the slot's generation (PID_SLOT_STRIDE below).
 *
 * The supervisor starts a task in a free slot and reaps it when it dies
 * (src/core/task-table.ts, src/ops/reap.ts), under the kernel lock. Most
 * fields change under the kernel lock, through the undo log; the exceptions
 * are the task's own: its hot-path counters (T_SENDS..T_REPLIES), kept by
 * its own thread without the lock, and the words it parks and spins with
 * (T_BLOCKED_*, park records, T_SPINNING, T_PAGE_SEQ), changed with atomics.
 * Records are whole pairs of cache lines, so two tasks' counters never share
 * one.
 */
import { LINE_PAIR_WORDS } from './cache-lines.js';
import { QUOTA_KINDS } from './quotas.js';

export const T_STATE = 0;
export const T_GEN = 1;
export const T_PID = 2;
export const T_PERSONALITY = 3;
/** Object slot + 1 the task is parked on (0 = none), and the event it waits for. */
export const T_BLOCKED_OBJECT = 4;
export const T_BLOCKED_EVENT = 5;
/** Parent pid. */
export const T_PARENT = 6;
export const T_EXIT_CODE = 7;
/** Number of handles in the task's table. */
export const T_HANDLE_COUNT = 8;
/** Next handle index to try when allocating. */
export const T_HANDLE_HINT = 9;
/** Counters kept by the task's own thread (no contention), folded into the header's when it dies. */
export const T_SENDS = 10;
export const T_RECEIVES = 11;
export const T_CALLS = 12;
export const T_REPLIES = 13;
/**
 * Park records: word indices of the waiter counters this task incremented
 * before parking (0 = free). The supervisor subtracts them when the task dies
 * so that a counter never stays raised by a dead waiter.
 */
export const T_PARK_RECORDS = 16;
export const TASK_PARK_RECORDS = 32;
/** Set (to H_LOCK_WAITERS) while the task sleeps waiting for the kernel lock. */
export const T_LOCK_PARK = T_PARK_RECORDS + TASK_PARK_RECORDS;
/** 1 while the task counts itself in H_SPINNERS (lowered by the supervisor if it dies spinning). */
export const T_SPINNING = T_LOCK_PARK + 1;
/** Object slot + 1 of the task's mailbox (docs/objects/network.md, keyboard-pipe.md), 0 until it has one. */
export const T_MAILBOX = T_SPINNING + 1;
/** Page IPC: bumped on every delivery to the task (its handlers' loop waits on it), with its parked waiters. */
export const T_PAGE_SEQ = T_MAILBOX + 1;
export const T_PAGE_WAITERS = T_MAILBOX + 2;
/** Pages this task sent that no receiver has accepted or abandoned yet (charged against H_PAGE_QUOTA). */
export const T_PAGES_IN_FLIGHT = T_MAILBOX + 3;
/** Pages mapped in the task's page space. */
export const T_PAGES_MAPPED = T_MAILBOX + 4;
/** Deliveries pending to this task (not yet taken). */
export const T_PAGES_PENDING = T_MAILBOX + 5;
/**
 * The task's pending deliveries in the order they were sent: the first and
 * the last record, as index + 1 (0: none), chained through D_NEXT.
 */
export const T_PENDING_FIRST = T_MAILBOX + 6;
export const T_PENDING_LAST = T_MAILBOX + 7;
/**
 * The token of the task's last call (u32, never 0 once issued): each call
 * takes the next one, so a token names one call of this task for 2^32 calls.
 */
export const T_CALL_SEQ = T_MAILBOX + 8;
/** The task's limit for each quota kind (QUOTA_*, quotas.ts): T_QUOTA_LIMITS + kind. */
export const T_QUOTA_LIMITS = T_CALL_SEQ + 1;
/** What the task is charged now for each kind but QUOTA_HANDLES: T_QUOTA_USED + kind. */
export const T_QUOTA_USED = T_QUOTA_LIMITS + QUOTA_KINDS;
/** 1 while the task refuses HANDLE_GRANT from other tasks, else 0. */
export const T_REFUSES_GRANTS = T_QUOTA_USED + QUOTA_KINDS;
/**
 * The OS pid of the process the task runs in, 0 until known: set when the
 * task attaches or joins. A task whose T_PARENT is 0 joined the kernel from
 * a process of its own (join()), and the supervisor watches that process
 * for its death.
 */
export const T_OS_PID = T_REFUSES_GRANTS + 1;
/** Whole pairs of cache lines: a task's counters never share a pair with another task's. */
export const TASK_WORDS = Math.ceil((T_OS_PID + 1) / LINE_PAIR_WORDS) * LINE_PAIR_WORDS;

/** T_STATE values. */
export const TASK_FREE = 0;
export const TASK_STARTING = 1;
export const TASK_RUNNING = 2;
/** Dead and cleaned up; the slot can be reused. */
export const TASK_EXITED = 3;
/** Dead (its thread has stopped), cleanup pending: locks it holds may be taken over. */
export const TASK_DYING = 4;

/** Pids: slot + 1 + generation * PID_SLOT_STRIDE, so a stale pid never names a new task. */
export const PID_SLOT_BITS = 12;
export const PID_SLOT_STRIDE = 1 << PID_SLOT_BITS;
export const MAX_TASKS_LIMIT = PID_SLOT_STRIDE - 1;
