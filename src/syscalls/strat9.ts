/**
 * The Strat9 syscalls: name → kernel op, laid out by number from the
 * syscall table (table.ts). No logic lives here: each entry decodes its
 * arguments, calls one op, returns its result.
 */
import { int, deadlineFromNanoseconds } from './args.js';
import { buildDispatch, type SyscallAsyncFn, type SyscallFn } from './dispatch.js';
import type { SyscallNameOf } from './table.js';
import { EINVAL } from '../core/errno.js';
import * as handles from '../ops/handle-ops.js';
import * as ops from '../ops/object-ops.js';
import { NO_MEMORY, blocking, blockingAsync } from '../ops/blocking.js';
import { createPort, DEFAULT_PORT_CAPACITY } from '../objects/port/port.js';
import { receiveMessage } from '../objects/port/receive.js';
import { reply } from '../objects/port/call.js';
import { bind, unbind, connect } from '../objects/namespace/namespace.js';
import { channelReceive, createChannel } from '../objects/channel/channel.js';
import { createRing, mapRing } from '../objects/ring/ring.js';
import { bufferSize, createBuffer, readBuffer } from '../objects/buffer/buffer.js';
import { createSemaphore, semaphorePost, semaphoreTake } from '../objects/semaphore/semaphore.js';
import { CHANNEL_MAX_CAPACITY, MESSAGE_BYTES, OBJ_CHANNEL, OBJ_SEMAPHORE } from '../core/layout.js';

/** CHAN_CREATE's capacity, clamped to 1..CHANNEL_MAX_CAPACITY as docs/syscalls/chan_create.md says (NaN stays NaN: EINVAL). */
function channelCapacity(x: number): number {
  return Number.isNaN(x) ? x : Math.min(CHANNEL_MAX_CAPACITY, Math.max(1, x));
}

/** HANDLE_WAIT's optional events: omitted is 0 (any). */
function interestOf(x: unknown): number {
  return x === undefined ? 0 : int(x);
}

const SYNC = {
  HANDLE_DUPLICATE: (ctx, _mem, a0) => handles.duplicate(ctx, int(a0)),
  HANDLE_CLOSE: (ctx, _mem, a0) => handles.close(ctx, int(a0)),
  HANDLE_WAIT: (ctx, _mem, a0, a1, a2) => {
    const ns = int(a1);
    const interest = interestOf(a2);
    if (ns === 0) return handles.readyEvents(ctx, int(a0), true, interest);
    const deadline = deadlineFromNanoseconds(ns);
    return Number.isNaN(deadline) ? -EINVAL : blocking(ops.WAIT_HANDLE, ctx, int(a0), NO_MEMORY, 0, interest, deadline);
  },
  HANDLE_GRANT: (ctx, _mem, a0, a1) => handles.grant(ctx, int(a0), int(a1)),
  HANDLE_REVOKE: (ctx, _mem, a0) => handles.revoke(ctx, int(a0)),
  HANDLE_INFO: (ctx, mem, a0, a1) => handles.info(ctx, int(a0), mem, int(a1)),
  IPC_CREATE_PORT: (ctx, _mem, a0) => (int(a0) === 0 ? createPort(ctx, DEFAULT_PORT_CAPACITY) : -EINVAL),
  IPC_SEND: (ctx, mem, a0, a1) => blocking(ops.SEND, ctx, int(a0), mem, int(a1), 0, Infinity),
  IPC_RECV: (ctx, mem, a0, a1) => blocking(ops.RECEIVE, ctx, int(a0), mem, int(a1), 0, Infinity),
  IPC_CALL: (ctx, mem, a0, a1) => blocking(ops.CALL, ctx, int(a0), mem, int(a1), 0, Infinity),
  IPC_REPLY: (ctx, mem, a0) => reply(ctx, mem, int(a0)),
  IPC_BIND_PORT: (ctx, mem, a0, a1, a2) => bind(ctx, int(a0), mem, int(a1), int(a2)),
  IPC_UNBIND_PORT: (ctx, mem, a0, a1) => unbind(ctx, mem, int(a0), int(a1)),
  IPC_TRY_RECV: (ctx, mem, a0, a1) => receiveMessage(ctx, int(a0), mem, int(a1), false),
  IPC_CONNECT: (ctx, mem, a0, a1) => connect(ctx, mem, int(a0), int(a1)),
  IPC_RING_CREATE: (ctx, _mem, a0) => createRing(ctx, int(a0)),
  IPC_RING_MAP: (ctx, mem, a0, a1) => mapRing(ctx, int(a0), mem, int(a1)),
  CHAN_CREATE: (ctx, _mem, a0) => createChannel(ctx, channelCapacity(int(a0)), 0),
  CHAN_SEND: (ctx, mem, a0, a1) => blocking(ops.CHANNEL_SEND, ctx, int(a0), mem, int(a1), MESSAGE_BYTES, Infinity),
  CHAN_RECV: (ctx, mem, a0, a1) => blocking(ops.CHANNEL_RECEIVE, ctx, int(a0), mem, int(a1), 0, Infinity),
  CHAN_TRY_RECV: (ctx, mem, a0, a1) => channelReceive(ctx, int(a0), mem, int(a1), false),
  CHAN_CLOSE: (ctx, _mem, a0) => handles.closeTyped(ctx, int(a0), OBJ_CHANNEL),
  SEM_CREATE: (ctx, _mem, a0) => createSemaphore(ctx, int(a0)),
  SEM_WAIT: (ctx, _mem, a0) => blocking(ops.SEMAPHORE_WAIT, ctx, int(a0), NO_MEMORY, 0, 0, Infinity),
  SEM_TRYWAIT: (ctx, _mem, a0) => semaphoreTake(ctx, int(a0), false),
  SEM_POST: (ctx, _mem, a0) => semaphorePost(ctx, int(a0)),
  SEM_CLOSE: (ctx, _mem, a0) => handles.closeTyped(ctx, int(a0), OBJ_SEMAPHORE),
  BUF_CREATE: (ctx, mem, a0, a1) => createBuffer(ctx, mem, int(a0), int(a1)),
  BUF_READ: (ctx, mem, a0, a1, a2, a3) => readBuffer(ctx, int(a0), int(a1), mem, int(a2), int(a3)),
  BUF_SIZE: (ctx, _mem, a0) => bufferSize(ctx, int(a0)),
} satisfies Record<SyscallNameOf<'strat9'>, SyscallFn>;

/** The blocking syscalls in their async form. */
const ASYNC = {
  HANDLE_WAIT: (ctx, mem, a0, a1, a2) => {
    const ns = int(a1);
    if (ns === 0) return Promise.resolve(SYNC.HANDLE_WAIT(ctx, mem, a0, a1, a2));
    const interest = interestOf(a2);
    const deadline = deadlineFromNanoseconds(ns);
    return Number.isNaN(deadline) ? Promise.resolve(-EINVAL) : blockingAsync(ops.WAIT_HANDLE, ctx, int(a0), NO_MEMORY, 0, interest, deadline, undefined);
  },
  IPC_SEND: (ctx, mem, a0, a1) => blockingAsync(ops.SEND, ctx, int(a0), mem, int(a1), 0, Infinity, undefined),
  IPC_RECV: (ctx, mem, a0, a1) => blockingAsync(ops.RECEIVE, ctx, int(a0), mem, int(a1), 0, Infinity, undefined),
  IPC_CALL: (ctx, mem, a0, a1) => blockingAsync(ops.CALL, ctx, int(a0), mem, int(a1), 0, Infinity, undefined),
  CHAN_SEND: (ctx, mem, a0, a1) => blockingAsync(ops.CHANNEL_SEND, ctx, int(a0), mem, int(a1), MESSAGE_BYTES, Infinity, undefined),
  CHAN_RECV: (ctx, mem, a0, a1) => blockingAsync(ops.CHANNEL_RECEIVE, ctx, int(a0), mem, int(a1), 0, Infinity, undefined),
  SEM_WAIT: (ctx, _mem, a0) => blockingAsync(ops.SEMAPHORE_WAIT, ctx, int(a0), NO_MEMORY, 0, 0, Infinity, undefined),
} satisfies Partial<Record<SyscallNameOf<'strat9'>, SyscallAsyncFn>>;

/** Dispatches one Strat9 syscall, blocking the thread where the call blocks; `strat9SyscallAsync`: the same with every blocking syscall in its async form. */
export const { syscall: strat9Syscall, syscallAsync: strat9SyscallAsync } = buildDispatch('strat9', SYNC, ASYNC);
