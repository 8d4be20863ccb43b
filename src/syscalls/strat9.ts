/**
 * The Strat9 syscall table: syscall number → kernel op. No logic lives here:
 * each entry decodes its arguments, calls one op, returns its result.
 */
import * as N from './numbers.js';
import { int, deadlineFromNanoseconds } from './args.js';
import { EINVAL, ENOSYS } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import type { MessageMemory } from '../core/copy.js';
import * as handles from '../ops/handle-ops.js';
import * as ops from '../ops/object-ops.js';
import { NO_MEMORY, blocking, blockingAsync } from '../ops/blocking.js';
import { createPort, DEFAULT_PORT_CAPACITY } from '../objects/port/port.js';
import { receiveMessage } from '../objects/port/receive.js';
import { reply } from '../objects/port/call.js';
import { bind, unbind, connect } from '../objects/namespace/namespace.js';
import { channelReceive, createChannel } from '../objects/channel/channel.js';
import { createRing, mapRing } from '../objects/ring/ring.js';
import { createSemaphore, semaphorePost, semaphoreTake } from '../objects/semaphore/semaphore.js';
import { CHANNEL_MAX_CAPACITY, MESSAGE_BYTES, OBJ_CHANNEL, OBJ_SEMAPHORE } from '../core/layout.js';

/** CHAN_CREATE's capacity, clamped to 1..CHANNEL_MAX_CAPACITY as docs/syscalls/chan_create.md says (NaN stays NaN: EINVAL). */
function channelCapacity(x: number): number {
  return Number.isNaN(x) ? x : Math.min(CHANNEL_MAX_CAPACITY, Math.max(1, x));
}

/** Dispatches one Strat9 syscall, blocking the thread where the call blocks. */
export function strat9Syscall(ctx: TaskContext, mem: MessageMemory, nr: number, a0: unknown, a1: unknown, a2: unknown): number {
  switch (nr) {
    case N.SYS_HANDLE_DUPLICATE:
      return handles.duplicate(ctx, int(a0));
    case N.SYS_HANDLE_CLOSE:
      return handles.close(ctx, int(a0));
    case N.SYS_HANDLE_WAIT: {
      const ns = int(a1);
      const interest = a2 === undefined ? 0 : int(a2);
      if (ns === 0) return handles.readyEvents(ctx, int(a0), true, interest);
      const deadline = deadlineFromNanoseconds(ns);
      return Number.isNaN(deadline) ? -EINVAL : blocking(ops.WAIT_HANDLE, ctx, int(a0), NO_MEMORY, 0, interest, deadline);
    }
    case N.SYS_HANDLE_GRANT:
      return handles.grant(ctx, int(a0), int(a1));
    case N.SYS_HANDLE_REVOKE:
      return handles.revoke(ctx, int(a0));
    case N.SYS_HANDLE_INFO:
      return handles.info(ctx, int(a0), mem, int(a1));
    case N.SYS_IPC_CREATE_PORT:
      return int(a0) === 0 ? createPort(ctx, DEFAULT_PORT_CAPACITY) : -EINVAL;
    case N.SYS_IPC_SEND:
      return blocking(ops.SEND, ctx, int(a0), mem, int(a1), 0, Infinity);
    case N.SYS_IPC_RECV:
      return blocking(ops.RECEIVE, ctx, int(a0), mem, int(a1), 0, Infinity);
    case N.SYS_IPC_CALL:
      return blocking(ops.CALL, ctx, int(a0), mem, int(a1), 0, Infinity);
    case N.SYS_IPC_REPLY:
      return reply(ctx, mem, int(a0));
    case N.SYS_IPC_BIND_PORT:
      return bind(ctx, int(a0), mem, int(a1), int(a2));
    case N.SYS_IPC_UNBIND_PORT:
      return unbind(ctx, mem, int(a0), int(a1));
    case N.SYS_IPC_TRY_RECV:
      return receiveMessage(ctx, int(a0), mem, int(a1), false);
    case N.SYS_IPC_CONNECT:
      return connect(ctx, mem, int(a0), int(a1));
    case N.SYS_IPC_RING_CREATE:
      return createRing(ctx, int(a0));
    case N.SYS_IPC_RING_MAP:
      return mapRing(ctx, int(a0), mem, int(a1));
    case N.SYS_CHAN_CREATE:
      return createChannel(ctx, channelCapacity(int(a0)), 0);
    case N.SYS_CHAN_SEND:
      return blocking(ops.CHANNEL_SEND, ctx, int(a0), mem, int(a1), MESSAGE_BYTES, Infinity);
    case N.SYS_CHAN_RECV:
      return blocking(ops.CHANNEL_RECEIVE, ctx, int(a0), mem, int(a1), 0, Infinity);
    case N.SYS_CHAN_TRY_RECV:
      return channelReceive(ctx, int(a0), mem, int(a1), false);
    case N.SYS_CHAN_CLOSE:
      return handles.closeTyped(ctx, int(a0), OBJ_CHANNEL);
    case N.SYS_SEM_CREATE:
      return createSemaphore(ctx, int(a0));
    case N.SYS_SEM_WAIT:
      return blocking(ops.SEMAPHORE_WAIT, ctx, int(a0), NO_MEMORY, 0, 0, Infinity);
    case N.SYS_SEM_TRYWAIT:
      return semaphoreTake(ctx, int(a0), false);
    case N.SYS_SEM_POST:
      return semaphorePost(ctx, int(a0));
    case N.SYS_SEM_CLOSE:
      return handles.closeTyped(ctx, int(a0), OBJ_SEMAPHORE);
    default:
      return -ENOSYS;
  }
}

/** The same table with every blocking syscall in its async form. */
export function strat9SyscallAsync(ctx: TaskContext, mem: MessageMemory, nr: number, a0: unknown, a1: unknown, a2: unknown): Promise<number> {
  switch (nr) {
    case N.SYS_HANDLE_WAIT: {
      const ns = int(a1);
      if (ns === 0) break;
      const interest = a2 === undefined ? 0 : int(a2);
      const deadline = deadlineFromNanoseconds(ns);
      return Number.isNaN(deadline) ? Promise.resolve(-EINVAL) : blockingAsync(ops.WAIT_HANDLE, ctx, int(a0), NO_MEMORY, 0, interest, deadline, undefined);
    }
    case N.SYS_IPC_SEND:
      return blockingAsync(ops.SEND, ctx, int(a0), mem, int(a1), 0, Infinity, undefined);
    case N.SYS_IPC_RECV:
      return blockingAsync(ops.RECEIVE, ctx, int(a0), mem, int(a1), 0, Infinity, undefined);
    case N.SYS_IPC_CALL:
      return blockingAsync(ops.CALL, ctx, int(a0), mem, int(a1), 0, Infinity, undefined);
    case N.SYS_CHAN_SEND:
      return blockingAsync(ops.CHANNEL_SEND, ctx, int(a0), mem, int(a1), MESSAGE_BYTES, Infinity, undefined);
    case N.SYS_CHAN_RECV:
      return blockingAsync(ops.CHANNEL_RECEIVE, ctx, int(a0), mem, int(a1), 0, Infinity, undefined);
    case N.SYS_SEM_WAIT:
      return blockingAsync(ops.SEMAPHORE_WAIT, ctx, int(a0), NO_MEMORY, 0, 0, Infinity, undefined);
  }
  return Promise.resolve(strat9Syscall(ctx, mem, nr, a0, a1, a2));
}
