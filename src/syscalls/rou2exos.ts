/**
 * The rou2exOS syscalls (docs/README.md, "Syscalls"): name → kernel op, laid
 * out by number from the syscall table (table.ts). No logic lives here:
 * each entry decodes its arguments, calls one op, returns its result.
 * Optional length arguments take their default when omitted (undefined);
 * anything else that is not an integer is refused.
 */
import { int } from './args.js';
import { buildDispatch, type SyscallAsyncFn, type SyscallFn } from './dispatch.js';
import type { SyscallNameOf } from './table.js';
import { EINVAL } from '../core/errno.js';
import { MAILBOX_MESSAGE_BYTES } from '../core/layout.js';
import { mailboxReceive, mailboxSend } from '../objects/mailbox/mailbox.js';
import { netRegister } from '../objects/network/network.js';
import { PIPE_DEFAULT_READ_BYTES, PIPE_READ, PIPE_SUBSCRIBE, PIPE_UNSUBSCRIBE, pipeRead, pipeSubscribe, pipeUnsubscribe } from '../objects/keyboard-pipe/keyboard-pipe.js';
import { MAILBOX_RECEIVE } from '../ops/rou2exos-ops.js';
import { blocking, blockingAsync } from '../ops/blocking.js';

/** An optional length argument: `fallback` when omitted. */
function lengthOr(x: unknown, fallback: number): number {
  return x === undefined ? fallback : int(x);
}

/** receive_data's mode: 0 polls, anything else blocks; not an integer is NaN. */
function receiveMode(x: unknown): number {
  return x === undefined ? 1 : int(x);
}

const SYNC = {
  PIPE: (ctx, mem, a0, a1, a2) => {
    switch (int(a0)) {
      case PIPE_SUBSCRIBE:
        return pipeSubscribe(ctx);
      case PIPE_UNSUBSCRIBE:
        return pipeUnsubscribe(ctx);
      case PIPE_READ:
        return pipeRead(ctx, mem, int(a1), lengthOr(a2, PIPE_DEFAULT_READ_BYTES));
      default:
        return -EINVAL;
    }
  },
  RECEIVE_DATA: (ctx, mem, a0, a1) => {
    const mode = receiveMode(a0);
    if (Number.isNaN(mode)) return -EINVAL;
    return mode === 0 ? mailboxReceive(ctx, mem, int(a1), false) : blocking(MAILBOX_RECEIVE, ctx, 0, mem, int(a1), 0, Infinity);
  },
  SEND_DATA: (ctx, mem, a0, a1, a2) => mailboxSend(ctx, int(a0), mem, int(a1), lengthOr(a2, MAILBOX_MESSAGE_BYTES), false),
  NET_REGISTER: (ctx, _mem, a0) => netRegister(ctx, int(a0)),
} satisfies Record<SyscallNameOf<'rou2exos'>, SyscallFn>;

/** The blocking receive in its async form. */
const ASYNC = {
  RECEIVE_DATA: (ctx, mem, a0, a1) => {
    const mode = receiveMode(a0);
    if (mode !== 0 && !Number.isNaN(mode)) return blockingAsync(MAILBOX_RECEIVE, ctx, 0, mem, int(a1), 0, Infinity, undefined);
    return Promise.resolve(SYNC.RECEIVE_DATA(ctx, mem, a0, a1));
  },
} satisfies Partial<Record<SyscallNameOf<'rou2exos'>, SyscallAsyncFn>>;

/** Dispatches one rou2exOS syscall, blocking the thread where the call blocks; `rou2exosSyscallAsync`: the same with the blocking receive in its async form. */
export const { syscall: rou2exosSyscall, syscallAsync: rou2exosSyscallAsync } = buildDispatch('rou2exos', SYNC, ASYNC);
