/**
 * Quotas (docs/quotas.md): the kinds of resource a task is budgeted for.
 *
 * Not a table of its own: a task's limits and charges are words of its task
 * record (T_QUOTA_LIMITS + kind, T_QUOTA_USED + kind, in tasks.ts), set at
 * spawn and charged and credited under the kernel lock (src/core/quota.ts).
 * Handles are counted in T_HANDLE_COUNT; the others in T_QUOTA_USED.
 */

export const QUOTA_HANDLES = 0;
/** Handles other tasks pushed into this one's table with HANDLE_GRANT (marked HANDLE_FLAG_GRANTED). */
export const QUOTA_RECEIVED_HANDLES = 1;
/** Objects the task created, live until freed (even when only handles in flight keep them). */
export const QUOTA_OBJECTS = 2;
/** Message slots the rings of the ports it created take (capacity + 1 each). */
export const QUOTA_MESSAGE_SLOTS = 3;
/** Pool pages the channels and rings it created hold. */
export const QUOTA_PAGES = 4;
/** Namespace bindings it made. */
export const QUOTA_NAMES = 5;
/** Call slots its calls hold (in flight, or kept idle for its next call). */
export const QUOTA_CALLS = 6;
/** Page deliveries it sent that no receiver has accepted or abandoned yet. */
export const QUOTA_DELIVERIES = 7;
export const QUOTA_KINDS = 8;
