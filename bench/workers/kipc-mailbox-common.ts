/**
 * What the rou2exOS tasks of the mailbox benchmarks share: they speak the
 * numbered rou2exOS ABI (docs/syscalls/send_data.md, receive_data.md; `task.syscall`, pointers are offsets into
 * `task.memory`), as a rou2exOS program would, not the typed Mailbox API.
 * Every message is MAILBOX_BENCH_BYTES long; its first word is its sequence
 * number (round trip: the request's, the reply's is one more).
 */
import { errno, sys, type Task } from '../../src/index.js';

/** Bytes per message: the size of the other message benchmarks' messages. */
export const MAILBOX_BENCH_BYTES = 64;
/** Sequence word meaning "leave". */
export const MAILBOX_STOP = -1;
export const { SYS_RECEIVE_DATA, SYS_SEND_DATA, SYS_NET_REGISTER } = sys;
export const { EAGAIN } = errno;

/** The task's user memory as Int32 words (word i is at byte offset 4 i). */
export function memoryWords(task: Task): Int32Array {
  const bytes = task.memory;
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
}

/** Throws unless a syscall answered `expected`. */
export function expectResult(what: string, result: number, expected: number): void {
  if (result !== expected) throw new Error(`bench: ${what} returned ${result}${result < 0 ? ` (${errno.ERRNO_NAMES[-result] ?? `errno ${-result}`})` : ''}, not ${expected}`);
}
