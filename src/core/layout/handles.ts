/**
 * The handle tables: one table of maxHandles records of HANDLE_WORDS words
 * per task slot (from H_OFF_HANDLES). An entry is a capability: an object,
 * its generation, the rights the holder has over it (RIGHT_*), and its
 * place in the derivation tree HANDLE_REVOKE follows (src/core/handles.ts).
 *
 * Entries are installed and freed under the kernel lock, through the undo
 * log (create, connect, duplicate, grant, transfer, close, revoke, reap). A
 * task reads its own table without the lock and acts on what it found
 * under the lock (or, for channels, under the queue lock), checking it
 * again there.
 *
 * Also here: the rights a handle carries and the events HANDLE_WAIT
 * reports, both part of the ABI.
 */

/** Object slot + 1 (0 = free entry). */
export const HD_OBJECT = 0;
export const HD_OBJECT_GEN = 1;
export const HD_RIGHTS = 2;
export const HD_GEN = 3;
/** Entry (word index + 1) of the handle this one was derived from (0 = root), and how many derive from this one. */
export const HD_PARENT = 4;
export const HD_CHILDREN = 5;
/** HANDLE_FLAG_* bits. */
export const HD_FLAGS = 6;
export const HANDLE_WORDS = 7;
/** Installed by another task's HANDLE_GRANT: counted in the holder's QUOTA_RECEIVED_HANDLES. */
export const HANDLE_FLAG_GRANTED = 1;

/** Handle values: index + 1 + generation * HANDLE_INDEX_STRIDE. Never 0. */
export const HANDLE_INDEX_BITS = 12;
export const HANDLE_INDEX_STRIDE = 1 << HANDLE_INDEX_BITS;
export const MAX_HANDLES_LIMIT = HANDLE_INDEX_STRIDE - 1;

/** Rights (docs/objects/handle.md). */
export const RIGHT_READ = 1;
export const RIGHT_WRITE = 2;
export const RIGHT_EXECUTE = 4;
export const RIGHT_GRANT = 8;
export const RIGHT_REVOKE = 16;
export const RIGHTS_ALL = 31;

/** Ready events of HANDLE_WAIT. */
export const EVENT_READABLE = 1;
export const EVENT_WRITABLE = 2;
/** Not a HANDLE_WAIT event: what a caller blocked for its reply waits for (snapshot only). */
export const EVENT_REPLY = 4;
