/**
 * Mailbox: the typed face of a task's rou2exOS mailbox (docs/objects/mailbox.md),
 * for tasks of either personality. Any task sends byte messages (1 to 512
 * bytes) to a pid; the owner receives them, with the sender's pid, in order.
 * Network frames routed to the task arrive here too, as `kind: 'frame'`
 * from pid 0.
 *
 * ```ts
 * const mailbox = task.mailbox;
 * mailbox.send(serverPid, 'ping');          // WouldBlockError when its mailbox is full
 * const mail = mailbox.receive({ timeout: 1000 });
 * console.log(mail.from, mail.text());
 * for await (const m of mailbox) handle(m);
 * ```
 */
import { EAGAIN } from '../core/errno.js';
import * as L from '../core/layout.js';
import type { TaskContext } from '../core/context.js';
import { type MessageMemory, messageMemory } from '../core/copy.js';
import { lastMailInfo, mailboxDepth, mailboxReceive, mailboxSend } from '../objects/mailbox/mailbox.js';
import * as ops from '../ops/rou2exos-ops.js';
import { blocking, blockingAsync } from '../ops/blocking.js';
import { check } from './errors.js';
import { type AsyncWaitOptions, deadlineOf, signalOf, type WaitOptions } from './handle.js';
import { bytesArgument, describe, invalidArgument, optionsOf } from './arguments.js';

/** One message taken from a mailbox. */
export class Mail {
  constructor(
    /** Sender's pid; 0 for a frame from the network interface. */
    readonly from: number,
    /** 'data' from a task's send; 'frame' an Ethernet frame from the network interface. */
    readonly kind: 'data' | 'frame',
    /** The payload, exactly as long as it was sent (a frame: the frame). */
    readonly data: Uint8Array,
  ) {}

  /** The payload decoded as UTF-8. */
  text(): string {
    return new TextDecoder().decode(this.data);
  }
}

/** Largest payload a task may send to a mailbox, in bytes. */
export const MAILBOX_MESSAGE_BYTES = L.MAILBOX_MESSAGE_BYTES;
/** Messages a mailbox holds. */
export const MAILBOX_CAPACITY = L.MAILBOX_CAPACITY;

const encoder = new TextEncoder();

/** A mail's payload as kernel memory: a string (sent as UTF-8) or a Uint8Array; anything else is InvalidArgumentError. */
function mailMemory(data: Uint8Array | string, operation: string): MessageMemory {
  if (typeof data === 'string') return messageMemory(encoder.encode(data));
  if (data === undefined || data === null || typeof data !== 'object') throw invalidArgument(operation, `data must be a string or a Uint8Array, not ${describe(data)}`);
  return messageMemory(bytesArgument(data, 'data', operation));
}

export class Mailbox {
  /** Receives land here first: large enough for a network frame. */
  private readonly scratch = messageMemory(new Uint8Array(L.FRAME_MAX_BYTES));

  /** @internal Use `task.mailbox`. */
  constructor(private readonly ctx: TaskContext) {}

  /**
   * Sends `data` (1 to 512 bytes; a string is sent as UTF-8) to the mailbox
   * of task `pid`. With `wait` true (or a timeout), waits while that mailbox
   * is full; otherwise a full mailbox throws WouldBlockError (EAGAIN) and
   * nothing is sent. Throws NoSuchTaskError for a pid no live task has,
   * InvalidArgumentError for an empty or too long payload.
   */
  send(pid: number, data: Uint8Array | string, options?: WaitOptions & { wait?: boolean }): void {
    const memory = mailMemory(data, 'Mailbox.send');
    const length = memory.bytes.length;
    const waits = optionsOf(options, 'Mailbox.send')?.wait === true || options?.timeout !== undefined;
    const deadline = deadlineOf(options, 'Mailbox.send');
    const result = waits ? blocking(ops.MAILBOX_SEND, this.ctx, pid, memory, 0, length, deadline) : mailboxSend(this.ctx, pid, memory, 0, length, false);
    check(result, 'Mailbox.send');
  }

  /** Sends like {@link send}, but returns false instead of throwing when the target's mailbox is full. */
  trySend(pid: number, data: Uint8Array | string): boolean {
    const memory = mailMemory(data, 'Mailbox.trySend');
    const result = mailboxSend(this.ctx, pid, memory, 0, memory.bytes.length, false);
    if (result === -EAGAIN) return false;
    check(result, 'Mailbox.trySend');
    return true;
  }

  /** Sends, waiting (without blocking the event loop) while the target's mailbox is full. */
  async sendAsync(pid: number, data: Uint8Array | string, options?: AsyncWaitOptions): Promise<void> {
    const memory = mailMemory(data, 'Mailbox.sendAsync');
    const deadline = deadlineOf(options, 'Mailbox.sendAsync');
    const signal = signalOf(options, 'Mailbox.sendAsync');
    check(await blockingAsync(ops.MAILBOX_SEND, this.ctx, pid, memory, 0, memory.bytes.length, deadline, signal), 'Mailbox.sendAsync', signal);
  }

  /** Takes the oldest message, sleeping while the mailbox is empty. Throws TimeoutError. */
  receive(options?: WaitOptions): Mail {
    const deadline = deadlineOf(options, 'Mailbox.receive');
    const length = check(blocking(ops.MAILBOX_RECEIVE, this.ctx, 0, this.scratch, 0, 0, deadline), 'Mailbox.receive');
    return this.taken(length);
  }

  /** Takes the oldest message, or returns undefined at once when there is none. */
  tryReceive(): Mail | undefined {
    const length = check(mailboxReceive(this.ctx, this.scratch, 0, false), 'Mailbox.tryReceive');
    return length === 0 ? undefined : this.taken(length);
  }

  /** Takes the oldest message, waiting without blocking the event loop. Throws TimeoutError, InterruptedError. */
  async receiveAsync(options?: AsyncWaitOptions): Promise<Mail> {
    const deadline = deadlineOf(options, 'Mailbox.receiveAsync');
    const signal = signalOf(options, 'Mailbox.receiveAsync');
    // Each receive has its own buffer: two may be in flight at once.
    const memory = messageMemory(new Uint8Array(L.FRAME_MAX_BYTES));
    const info = { sender: 0, kind: 0 };
    const length = check(await blockingAsync(ops.mailboxReceiveInto(info), this.ctx, 0, memory, 0, 0, deadline, signal), 'Mailbox.receiveAsync', signal);
    return new Mail(info.sender, info.kind === L.MAIL_KIND_FRAME ? 'frame' : 'data', memory.bytes.slice(0, length));
  }

  /** Messages waiting now. */
  get size(): number {
    return mailboxDepth(this.ctx);
  }

  /** Receives for ever (`break` to stop). */
  async *[Symbol.asyncIterator](): AsyncIterator<Mail> {
    for (;;) yield await this.receiveAsync();
  }

  private taken(length: number): Mail {
    const info = lastMailInfo();
    return new Mail(info.sender, info.kind === L.MAIL_KIND_FRAME ? 'frame' : 'data', this.scratch.bytes.slice(0, length));
  }
}
