/**
 * Handle: what every typed object (Port, Channel ends, Semaphore, Ring)
 * shares: rights and identity, grant, revoke, close, waiting for events;
 * and the wait options every blocking method takes.
 */
import type { TaskContext } from '../kernel/context.js';
import * as ops from '../kernel/ops.js';
import * as handles from '../kernel/handle-ops.js';
import { messageMemory } from '../kernel/copy.js';
import { check } from './errors.js';

export interface WaitOptions {
  /** Give up after this many milliseconds (TimeoutError). Default: wait forever. */
  timeout?: number;
}
export interface AsyncWaitOptions extends WaitOptions {
  /** Abort the wait (InterruptedError, with the signal's reason as its cause). */
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

export function deadlineOf(options?: WaitOptions): number {
  const timeout = options?.timeout;
  return timeout === undefined || timeout === Infinity ? Infinity : performance.now() + Math.max(0, timeout);
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
    return check(ops.waitHandle(this.ctx, this.handle, options?.events ?? handles.ALL_EVENTS, deadlineOf(options)), 'wait');
  }

  async waitAsync(options?: EventWaitOptions & AsyncWaitOptions): Promise<number> {
    const signal = options?.signal;
    const events = options?.events ?? handles.ALL_EVENTS;
    return check(await ops.waitHandleAsync(this.ctx, this.handle, events, deadlineOf(options), signal), 'waitAsync', signal);
  }
}

