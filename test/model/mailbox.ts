/**
 * rou2exOS mailboxes in the model (docs/objects/mailbox.md,
 * docs/syscalls/send_data.md, receive_data.md): a FIFO of 10 byte messages
 * per task, each its own copy. A rou2exOS task has one from spawn; a
 * Strat9 task gets one with the first message sent to it. A mailbox takes
 * 6 consecutive pages of the pool.
 */
import { type Attempt, BLOCK, E, MAILBOX } from './abi.js';
import { inMemory, intArg } from './args.js';
import { type MailboxState, type ModelState, allocPool, freePool, mailKey, touch } from './state.js';

/** Gives `pid` a mailbox if it has none: 0, or -ENOMEM (no run of 6 free pages). */
export function ensureMailbox(s: ModelState, pid: number): number {
  const task = s.tasks[pid]!;
  if (task.mailbox !== null) return 0;
  const first = allocPool(s, MAILBOX.POOL_PAGES);
  if (first < 0) return -E.ENOMEM;
  task.mailbox = { first, queue: [] } satisfies MailboxState;
  return 0;
}

/** Drops `pid`'s mailbox (it died): messages discarded, pages back to the pool. */
export function releaseMailbox(s: ModelState, pid: number): void {
  const task = s.tasks[pid]!;
  if (task.mailbox === null) return;
  freePool(s, task.mailbox.first, MAILBOX.POOL_PAGES);
  task.mailbox = null;
}

/**
 * send_data(target_pid, buf_ptr, len?): EINVAL (len given and not 1..512),
 * EFAULT, ESRCH (not a live task), ENOMEM (no mailbox and no room for
 * one), EAGAIN (10 queued); else the bytes are queued from the caller.
 */
export function sendData(s: ModelState, pid: number, targetArg: unknown, bufArg: unknown, lenArg: unknown): number {
  const len = lenArg === undefined ? MAILBOX.MESSAGE_BYTES : intArg(lenArg);
  if (!(Number.isInteger(len) && len >= 1 && len <= MAILBOX.MESSAGE_BYTES)) return -E.EINVAL;
  const mem = s.tasks[pid]!.mem;
  const buf = intArg(bufArg);
  if (!inMemory(mem.length, buf, len)) return -E.EFAULT;
  const target = s.tasks[intArg(targetArg)];
  if (target === undefined || !target.alive) return -E.ESRCH;
  const made = ensureMailbox(s, target.pid);
  if (made < 0) return made;
  const box = target.mailbox!;
  if (box.queue.length >= MAILBOX.CAPACITY) return -E.EAGAIN;
  box.queue.push({ bytes: mem.slice(buf, buf + len), sender: pid });
  touch(s, mailKey(target.pid));
  return 0;
}

/** receive_data's mode: omitted waits; 0 polls; another integer waits; NaN is EINVAL. */
export function receiveMode(x: unknown): number {
  return x === undefined ? 1 : intArg(x);
}

/**
 * receive_data(mode, buf_ptr): EINVAL (mode), EFAULT (buf_ptr not 0..memory
 * size), ENOMEM (no mailbox and no room), then the oldest message's length
 * with its bytes at buf_ptr (EFAULT, left queued, when they do not fit);
 * empty: 0 (mode 0) or BLOCK.
 */
export function receiveAttempt(s: ModelState, pid: number, modeArg: unknown, bufArg: unknown): Attempt {
  const mode = receiveMode(modeArg);
  if (Number.isNaN(mode)) return -E.EINVAL;
  const mem = s.tasks[pid]!.mem;
  const buf = intArg(bufArg);
  if (!inMemory(mem.length, buf, 0)) return -E.EFAULT;
  const made = ensureMailbox(s, pid);
  if (made < 0) return made;
  const box = s.tasks[pid]!.mailbox!;
  const head = box.queue[0];
  if (head === undefined) return mode === 0 ? 0 : BLOCK;
  if (!inMemory(mem.length, buf, head.bytes.length)) return -E.EFAULT;
  box.queue.shift();
  mem.set(head.bytes, buf);
  touch(s, mailKey(pid));
  return head.bytes.length;
}
