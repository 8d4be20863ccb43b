/**
 * Call slots and call tables (synchronous call and reply,
 * src/objects/port/call.ts).
 *
 * The call slots are one table of H_MAX_CALLS records of CALL_WORDS words
 * (from H_OFF_CALLS): a call in flight, from the caller's request to the
 * caller taking its reply. Free slots chain through C_NEXT_FREE from
 * H_CALL_FREE. A slot is taken, queued, received and withdrawn under the
 * kernel lock; a reply without a handle is written with no lock, its
 * state published by one compare-and-swap of C_STATE (which is also the
 * futex word the caller waits on), and the caller takes its reply without
 * the lock, then keeps the slot cached for its next call.
 *
 * The call tables follow (from H_OFF_CALL_TABLES): one per task slot, of
 * callTableEntries(maxCalls) words, mapping the caller's call tokens to its
 * call slots (CALL_TABLE_ENTRIES_MAX below). An entry is written by its
 * caller under the kernel lock but not logged (an entry left by a
 * rolled-back call names a slot whose token no longer matches, which every
 * lookup checks), and read without the lock by whoever replies.
 */
import { MESSAGE_WORDS } from './messages.js';

/** Futex word of the call: one of the CALL_* states. */
export const C_STATE = 0;
/**
 * The call's token, as carried in the high word of IpcMessage.sender: the
 * caller's next T_CALL_SEQ when the call was made (never 0). A reply must
 * name it exactly, so a request kept from an earlier call is refused (EPERM)
 * until its caller has made 2^32 more calls.
 */
export const C_TOKEN = 1;
export const C_CALLER = 2;
/** Pid of the task that received the call and holds the one-shot reply right. */
export const C_SERVER = 3;
/** Object slot of the port the call is queued on, and the message slot it sits in (-1 once received). */
export const C_PORT = 4;
export const C_MESSAGE = 5;
export const C_WAITERS = 6;
export const C_NEXT_FREE = 7;
/** The reply message, written by IPC_REPLY or by the kernel (EPIPE). */
export const C_REPLY = 8;
export const C_REPLY_STATUS = C_REPLY + MESSAGE_WORDS;
export const CALL_WORDS = C_REPLY + MESSAGE_WORDS + 2;

/** C_STATE values. */
export const CALL_FREE = 0;
/** The call message sits in a port queue. */
export const CALL_QUEUED = 1;
/** A task received it and owes a reply. */
export const CALL_RECEIVED = 2;
/** The reply is written; the caller will copy it out and free the slot. */
export const CALL_REPLIED = 3;
/** The caller gave up (deadline, abort, death) after the call was received. */
export const CALL_ABANDONED = 4;
/**
 * Idle, kept by its last caller for its next call (saves the free list and
 * the kernel lock when a reply is taken). Counted as free; a caller that
 * finds the free list empty may take another task's cached slot.
 */
export const CALL_CACHED = 5;

/** Call slots a kernel may have. */
export const MAX_CALLS_LIMIT = 65535;
/**
 * Call tables: each task has one of callTableEntries(maxCalls) words, a
 * power of two; entry (token & (entries - 1)) holds call slot + 1 of its
 * call in flight with that token. A reply finds its call slot from the
 * caller's pid and the token in one load; a caller skips tokens whose entry
 * is taken by a call still in flight, so no two of its calls share one.
 */
export const CALL_TABLE_ENTRIES_MAX = 4096;
/** Words of one task's call table: maxCalls rounded up to a power of two, at most CALL_TABLE_ENTRIES_MAX. */
export function callTableEntries(maxCalls: number): number {
  let entries = 1;
  while (entries < maxCalls && entries < CALL_TABLE_ENTRIES_MAX) entries *= 2;
  return entries;
}
