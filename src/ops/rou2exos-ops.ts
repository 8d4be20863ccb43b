/**
 * Blocking forms of the rou2exOS personality's ops (docs/objects/mailbox.md,
 * network.md, keyboard-pipe.md): a
 * receive that really sleeps until a message arrives, and, for the typed
 * API, sends, transmits and keyboard reads that wait for room or bytes.
 * Deadlines and signals as in blocking.ts.
 */
import { WOULD_BLOCK } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import type { MessageMemory } from '../core/copy.js';
import { type Attempt, blocking, blockingAsync } from './blocking.js';
import { type MailInfo, lastMailInfo, mailboxReceive, mailboxSend } from '../objects/mailbox/mailbox.js';
import { netTransmit, takeTransmitted } from '../objects/network/network.js';
import { pipeReadOrWait } from '../objects/keyboard-pipe/keyboard-pipe.js';

const tryMailboxReceive: Attempt = (ctx, _h, mem, offset) => mailboxReceive(ctx, mem, offset, true);
const tryMailboxSend: Attempt = (ctx, pid, mem, offset, length) => mailboxSend(ctx, pid, mem, offset, length, true);
const tryTransmit: Attempt = (ctx, _h, mem, offset, length) => netTransmit(ctx, mem, offset, length, true);
const tryTakeTransmitted: Attempt = (ctx, _h, mem, offset) => takeTransmitted(ctx, mem, offset);
const tryPipeRead: Attempt = (ctx, _h, mem, offset, max) => pipeReadOrWait(ctx, mem, offset, max);

/** receive_data with a non-zero mode: the oldest message's length, sleeping while the mailbox is empty; or -errno. */
export function mailboxReceiveBlocking(ctx: TaskContext, mem: MessageMemory, offset: number, deadline: number): number {
  const r = mailboxReceive(ctx, mem, offset, true);
  return r === WOULD_BLOCK ? blocking(tryMailboxReceive, ctx, 0, mem, offset, 0, deadline) : r;
}
/**
 * The async form; `info`, when given, gets the sender and kind of the
 * message taken (recorded at the take: other receives may run before the
 * promise settles).
 */
export function mailboxReceiveAsync(ctx: TaskContext, mem: MessageMemory, offset: number, deadline: number, signal?: AbortSignal, info?: MailInfo): Promise<number> {
  const attempt: Attempt =
    info === undefined
      ? tryMailboxReceive
      : (c, _h, m, o) => {
          const r = mailboxReceive(c, m, o, true);
          if (r > 0) Object.assign(info, lastMailInfo());
          return r;
        };
  return blockingAsync(attempt, ctx, 0, mem, offset, 0, deadline, signal);
}

/** send_data that waits for room in a full mailbox instead of answering EAGAIN. 0 or -errno. */
export function mailboxSendBlocking(ctx: TaskContext, pid: number, mem: MessageMemory, offset: number, length: number, deadline: number): number {
  return blocking(tryMailboxSend, ctx, pid, mem, offset, length, deadline);
}
export function mailboxSendAsync(ctx: TaskContext, pid: number, mem: MessageMemory, offset: number, length: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryMailboxSend, ctx, pid, mem, offset, length, deadline, signal);
}

/** The driver's transmit, waiting for room in the interface's queue. 0 or -errno. */
export function transmitBlocking(ctx: TaskContext, mem: MessageMemory, offset: number, length: number, deadline: number): number {
  return blocking(tryTransmit, ctx, 0, mem, offset, length, deadline);
}
export function transmitAsync(ctx: TaskContext, mem: MessageMemory, offset: number, length: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryTransmit, ctx, 0, mem, offset, length, deadline, signal);
}

/** The interface waiting for the next frame the driver transmits: its length, or -EPIPE once detached. */
export function takeTransmittedAsync(ctx: TaskContext, mem: MessageMemory, offset: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryTakeTransmitted, ctx, 0, mem, offset, 0, Infinity, signal);
}

/** A keyboard read that waits for at least one byte: how many were copied (>= 1 when `max` >= 1), or -errno. */
export function pipeReadBlocking(ctx: TaskContext, mem: MessageMemory, offset: number, max: number, deadline: number): number {
  return blocking(tryPipeRead, ctx, 0, mem, offset, max, deadline);
}
export function pipeReadAsync(ctx: TaskContext, mem: MessageMemory, offset: number, max: number, deadline: number, signal?: AbortSignal): Promise<number> {
  return blockingAsync(tryPipeRead, ctx, 0, mem, offset, max, deadline, signal);
}
