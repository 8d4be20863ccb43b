/**
 * Blocking kernel operations: each object op tried under the lock, and while
 * it answers WOULD_BLOCK, the task parks on the word it named and tries
 * again. Sync forms sleep the thread; async forms leave the event loop free.
 *
 * `deadline` is a `performance.now()` time, or Infinity to wait forever. An
 * expired deadline is ETIMEDOUT; an aborted signal is EINTR. Nothing here
 * knows syscall numbers: the ABI tables and the typed API both call these.
 */
import { EINTR, ETIMEDOUT, WOULD_BLOCK } from './errno.js';
import type { TaskContext } from './context.js';
import type { MessageMemory } from './copy.js';
import { PARK_TIMED_OUT, park, parkAsync } from './park.js';
import { enqueueMessage, receiveMessage } from '../objects/port.js';
import { cancelCall, takeReply } from '../objects/call.js';
import { readyEvents } from './handle-ops.js';

/** IPC_SEND, blocking while the port is full. 0 or -errno. */
export function send(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number): number {
  for (;;) {
    const r = enqueueMessage(ctx, h, mem, offset, false);
    if (r !== WOULD_BLOCK) return r;
    if (park(ctx, deadline) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
}

export async function sendAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number, signal?: AbortSignal): Promise<number> {
  for (;;) {
    if (signal?.aborted) return -EINTR;
    const r = enqueueMessage(ctx, h, mem, offset, false);
    if (r !== WOULD_BLOCK) return r;
    if ((await parkAsync(ctx, deadline, signal)) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
}

/** IPC_RECV, blocking while the port is empty. 0 or -errno. */
export function receive(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number): number {
  for (;;) {
    const r = receiveMessage(ctx, h, mem, offset, true);
    if (r !== WOULD_BLOCK) return r;
    if (park(ctx, deadline) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
}

export async function receiveAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number, signal?: AbortSignal): Promise<number> {
  for (;;) {
    if (signal?.aborted) return -EINTR;
    const r = receiveMessage(ctx, h, mem, offset, true);
    if (r !== WOULD_BLOCK) return r;
    if ((await parkAsync(ctx, deadline, signal)) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
}

/**
 * IPC_CALL: sends the message as a call, then waits for its reply, which
 * overwrites the message. 0 when answered; -EPIPE (with an error reply
 * written) when the server or port died; -ETIMEDOUT / -EINTR when the caller
 * gave up, in which case a still-queued call is withdrawn.
 */
export function call(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number): number {
  let cs: number;
  for (;;) {
    cs = enqueueMessage(ctx, h, mem, offset, true);
    if (cs !== WOULD_BLOCK) break;
    if (park(ctx, deadline) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
  if (cs < 0) return cs;
  for (;;) {
    const r = takeReply(ctx, cs, mem, offset);
    if (r !== WOULD_BLOCK) return r;
    if (park(ctx, deadline) === PARK_TIMED_OUT && !cancelCall(ctx, cs)) return -ETIMEDOUT;
  }
}

export async function callAsync(ctx: TaskContext, h: number, mem: MessageMemory, offset: number, deadline: number, signal?: AbortSignal): Promise<number> {
  let cs: number;
  for (;;) {
    if (signal?.aborted) return -EINTR;
    cs = enqueueMessage(ctx, h, mem, offset, true);
    if (cs !== WOULD_BLOCK) break;
    if ((await parkAsync(ctx, deadline, signal)) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
  if (cs < 0) return cs;
  for (;;) {
    const r = takeReply(ctx, cs, mem, offset);
    if (r !== WOULD_BLOCK) return r;
    const parked = await parkAsync(ctx, deadline, signal);
    if (parked === PARK_TIMED_OUT || signal?.aborted) {
      if (!cancelCall(ctx, cs)) return parked === PARK_TIMED_OUT ? -ETIMEDOUT : -EINTR;
    }
  }
}

/** HANDLE_WAIT: the ready events of `h`, waiting for one until the deadline. */
export function waitHandle(ctx: TaskContext, h: number, deadline: number): number {
  for (;;) {
    const r = readyEvents(ctx, h, false);
    if (r !== WOULD_BLOCK) return r;
    if (park(ctx, deadline) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
}

export async function waitHandleAsync(ctx: TaskContext, h: number, deadline: number, signal?: AbortSignal): Promise<number> {
  for (;;) {
    if (signal?.aborted) return -EINTR;
    const r = readyEvents(ctx, h, false);
    if (r !== WOULD_BLOCK) return r;
    if ((await parkAsync(ctx, deadline, signal)) === PARK_TIMED_OUT) return -ETIMEDOUT;
  }
}
