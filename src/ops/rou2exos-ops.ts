/**
 * The blocking ops of mailboxes, the network interface and the keyboard
 * pipe (the rou2exOS objects), each defined once for both drivers of
 * src/ops/blocking.ts. `h` is 0 unless stated.
 */
import type { BlockingOp } from './blocking.js';
import { type MailInfo, lastMailInfo, mailboxReceive, mailboxSend } from '../objects/mailbox/mailbox.js';
import { netTransmit, takeTransmitted } from '../objects/network/network.js';
import { pipeReadOrWait } from '../objects/keyboard-pipe/keyboard-pipe.js';

/** receive_data with a non-zero mode (n: 0): the oldest message's length, sleeping while the mailbox is empty; or -errno. */
export const MAILBOX_RECEIVE: BlockingOp = { attempt: (ctx, _h, mem, offset) => mailboxReceive(ctx, mem, offset, true) };

/**
 * MAILBOX_RECEIVE that also writes the sender and kind of the message taken
 * into `info`, recorded at the take (other receives may run before an
 * async form settles).
 */
export function mailboxReceiveInto(info: MailInfo): BlockingOp {
  return {
    attempt: (ctx, _h, mem, offset) => {
      const r = mailboxReceive(ctx, mem, offset, true);
      if (r > 0) Object.assign(info, lastMailInfo());
      return r;
    },
  };
}

/** send_data to pid `h` (n: the length) that waits for room in a full mailbox instead of answering EAGAIN. 0 or -errno. */
export const MAILBOX_SEND: BlockingOp = { attempt: (ctx, pid, mem, offset, length) => mailboxSend(ctx, pid, mem, offset, length, true) };

/** The driver's transmit (n: the length), waiting for room in the interface's queue. 0 or -errno. */
export const TRANSMIT: BlockingOp = { attempt: (ctx, _h, mem, offset, length) => netTransmit(ctx, mem, offset, length, true) };

/** The interface waiting for the next frame the driver transmits (n: 0): its length, or -EPIPE once detached. */
export const TAKE_TRANSMITTED: BlockingOp = { attempt: (ctx, _h, mem, offset) => takeTransmitted(ctx, mem, offset) };

/** A keyboard read of up to `n` bytes that waits for at least one: how many were copied (>= 1 when n >= 1), or -errno. */
export const PIPE_READ: BlockingOp = { attempt: (ctx, _h, mem, offset, max) => pipeReadOrWait(ctx, mem, offset, max) };
