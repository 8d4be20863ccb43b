/**
 * Handle: what every typed object (Port, Channel ends, Semaphore, Ring)
 * shares: rights and identity, grant, revoke, close, waiting for events;
 * and the wait options every blocking method takes.
 */
import type { TaskContext } from '../core/context.js';
import * as ops from '../ops/object-ops.js';
import { NO_MEMORY, blocking, blockingAsync } from '../ops/blocking.js';
import * as handles from '../ops/handle-ops.js';
import { messageMemory } from '../core/copy.js';
import { check } from './errors.js';
import { deadlineFromTimeout, integerArgument, optionsOf, signalArgument } from './arguments.js';

export interface WaitOptions {
  /**
   * Give up after this many milliseconds (TimeoutError): a number >= 0, or
   * Infinity. Default: wait forever. NaN, a negative number or anything
   * not a number is InvalidArgumentError. The deadline covers every wait of
   * the operation, waiting for a queue lock another task holds included.
   */
  timeout?: number;
}
export interface AsyncWaitOptions extends WaitOptions {
  /** Abort the wait (InterruptedError, with the signal's reason as its cause). Anything but an AbortSignal is InvalidArgumentError. */
  signal?: AbortSignal;
}
export interface EventWaitOptions extends WaitOptions {
  /** The events to wait for: EVENT_READABLE (1), EVENT_WRITABLE (2) or both (3, the default). */
  events?: number;
}
/** Rights and identity of a handle (HANDLE_INFO). */
export interface HandleInfo {
  /** Resource type: 4 port, 5 channel, 6 ring, 7 semaphore. */
  type: number;
  rights: number;
  objectId: number;
}

/**
 * The deadline of `options.timeout` (read once), after checking that
 * `options` is an object or undefined and the timeout valid; throws
 * InvalidArgumentError naming `operation` otherwise.
 */
export function deadlineOf(options: WaitOptions | undefined, operation: string): number {
  return deadlineFromTimeout(optionsOf(options, operation)?.timeout, operation);
}

/** `options.signal` (read once), checked: undefined or an AbortSignal, else InvalidArgumentError. */
export function signalOf(options: AsyncWaitOptions | undefined, operation: string): AbortSignal | undefined {
  return signalArgument(optionsOf(options, operation)?.signal, operation);
}

/** `options.events` (read once): 1 to 3, default both. */
function eventsOf(options: EventWaitOptions | undefined, operation: string): number {
  const events = optionsOf(options, operation)?.events;
  return events === undefined ? handles.ALL_EVENTS : integerArgument(events, 'events', operation, 1, handles.ALL_EVENTS);
}

const infoScratch = messageMemory(new Uint8Array(handles.HANDLE_INFO_BYTES));

/** Operations every handle has: duplicate, grant, revoke, info, close. */
export class Handle implements Disposable {
  /** The task context the handle belongs to (internal: for kernel ops on several handles). */
  readonly ctx: TaskContext;
  /** The raw handle value, as the ABI sees it. */
  readonly handle: number;

  constructor(ctx: TaskContext, handle: number) {
    this.ctx = ctx;
    this.handle = handle;
  }

  /** Rights and object id. Throws BadHandleError once closed. */
  info(): HandleInfo {
    check(handles.info(this.ctx, this.handle, infoScratch, 0), 'Handle.info');
    const v = new DataView(infoScratch.bytes.buffer);
    return { type: v.getUint32(0, true), rights: v.getUint32(4, true), objectId: v.getUint32(8, true) + v.getUint32(12, true) * 2 ** 32 };
  }

  /** Gives task `pid` a handle with the same rights; returns its value in that task. Needs grant. */
  grant(pid: number): number {
    integerArgument(pid, 'pid', 'Handle.grant', 1, 2 ** 31 - 1);
    return check(handles.grant(this.ctx, this.handle, pid), 'Handle.grant');
  }

  /** Closes every handle derived from this one, in every task. Needs revoke. Returns how many. */
  revoke(): number {
    return check(handles.revoke(this.ctx, this.handle), 'Handle.revoke');
  }

  /** Releases the handle. A port dies when its owner closes its last handle that can receive. Idempotent. */
  close(): void {
    handles.close(this.ctx, this.handle);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * HANDLE_WAIT: waits until the object is readable (EVENT_READABLE = 1) or
   * writable (EVENT_WRITABLE = 2), among `options.events` (default both),
   * and returns the ready events. What they mean depends on the object:
   * a port or channel has messages or room, a semaphore a count above 0,
   * a ring bytes or room in its stream. Throws BrokenPipeError once the
   * object is destroyed.
   */
  wait(options?: EventWaitOptions): number {
    const events = eventsOf(options, 'wait');
    const deadline = deadlineOf(options, 'wait');
    return check(blocking(ops.WAIT_HANDLE, this.ctx, this.handle, NO_MEMORY, 0, events, deadline), 'wait');
  }

  async waitAsync(options?: EventWaitOptions & AsyncWaitOptions): Promise<number> {
    const events = eventsOf(options, 'waitAsync');
    const deadline = deadlineOf(options, 'waitAsync');
    const signal = signalOf(options, 'waitAsync');
    return check(await blockingAsync(ops.WAIT_HANDLE, this.ctx, this.handle, NO_MEMORY, 0, events, deadline, signal), 'waitAsync', signal);
  }
}

