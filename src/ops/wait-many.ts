/**
 * Waiting on many objects at once (zx_object_wait_many, Go's select): the
 * task looks at each handle's ready events (HANDLE_WAIT's), and while none
 * is ready sleeps on one kernel-wide word, H_POLL_SEQ.
 *
 * Protocol: the waiter counts itself in H_POLLERS, reads H_POLL_SEQ, flags
 * every queue it waits on (QUEUE_PEERS_WAITING on the lock whose release
 * commits what it waits for, as a single waiter would), looks at every
 * handle again, and sleeps only if still none is ready. Every wake-up of an
 * object's waiters (a flagged queue lock released, a semaphore posted from
 * 0, an object destroyed or a handle closed) also bumps and wakes H_POLL_SEQ
 * while H_POLLERS is above 0. So whatever becomes ready after the second
 * look wakes the task. The counter is noted in a park record: the
 * supervisor lowers it if the task dies waiting.
 */
import * as L from '../core/layout.js';
import { EAGAIN, EINVAL, EPIPE } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import { ALL_EVENTS, readyEvents } from './handle-ops.js';
import { lookupHandle, objectOfEntry } from '../core/handles.js';
import type { WaitRecord } from '../core/wait-record.js';
import type { BlockingOp } from './blocking.js';
import { raiseFlag } from '../backend/words.js';
import { hasQueue } from '../core/queue.js';

/** Most handles one wait may watch. */
export const MAX_WAIT_MANY = 64;

/**
 * One look at every handle: `ready[i]` gets the ready events of
 * `handles[i]` among `interests[i]` (0 = both), 0 when none, or -EPIPE when
 * its object is destroyed (which counts as ready: the next op on it fails).
 * Returns how many are ready, or -errno for a bad entry: EBADF a handle,
 * EINVAL an interest.
 */
function pollMany(ctx: TaskContext, handles: ArrayLike<number>, interests: ArrayLike<number>, ready: Int32Array): number {
  let count = 0;
  for (let i = 0; i < handles.length; i++) {
    const events = readyEvents(ctx, handles[i]!, true, interests[i]!);
    if (events === -EAGAIN) {
      ready[i] = 0;
      continue;
    }
    if (events < 0 && events !== -EPIPE) return events;
    ready[i] = events;
    count++;
  }
  return count;
}

/** Flags every queue among the handles so that its next commit wakes the pollers. */
function announce(ctx: TaskContext, handles: ArrayLike<number>, interests: ArrayLike<number>): void {
  const r = ctx.r;
  for (let i = 0; i < handles.length; i++) {
    const e = lookupHandle(r, ctx.slot, handles[i]!, 0);
    if (e < 0) continue;
    const o = r.object(objectOfEntry(r, e));
    if (!hasQueue(r.w[o + L.O_TYPE]!)) continue;
    const interest = interests[i] || ALL_EVENTS;
    if (interest & L.EVENT_READABLE) raiseFlag(r.w, o + L.O_SEND_LOCK, L.QUEUE_PEERS_WAITING);
    if (interest & L.EVENT_WRITABLE) raiseFlag(r.w, o + L.O_RECV_LOCK, L.QUEUE_PEERS_WAITING);
  }
}

/**
 * The op of one wait on many objects: one look at every handle; while none
 * is ready, a wait on H_POLL_SEQ whose re-check (once the park has counted
 * the task in H_POLLERS) reads H_POLL_SEQ, flags the queues and looks again.
 * Run by either driver of src/ops/blocking.ts on task `ctx` (h, n: 0;
 * mem: NO_MEMORY).
 * Returns how many are ready, with each one's events in `ready` (see
 * {@link pollMany}). Errors: EINVAL no handles, more than MAX_WAIT_MANY, or
 * mismatched lengths; EBADF; ETIMEDOUT (from the driver).
 */
export function waitManyOp(ctx: TaskContext, handles: ArrayLike<number>, interests: ArrayLike<number>, ready: Int32Array): BlockingOp {
  const recheck = (wait: WaitRecord): boolean => {
    const seq = Atomics.load(ctx.r.w, L.H_POLL_SEQ);
    announce(ctx, handles, interests);
    const found = pollMany(ctx, handles, interests, ready);
    // Each look records a wait in the task's record, which may be `wait` itself: record this one again.
    wait.onMany(L.H_POLL_SEQ, L.H_POLLERS, recheck);
    wait.value = seq;
    return found !== 0;
  };
  return {
    attempt: () => {
      if (!checkArguments(handles, interests, ready)) return -EINVAL;
      const found = pollMany(ctx, handles, interests, ready);
      return found !== 0 ? found : ctx.wait.onMany(L.H_POLL_SEQ, L.H_POLLERS, recheck);
    },
  };
}

function checkArguments(handles: ArrayLike<number>, interests: ArrayLike<number>, ready: Int32Array): boolean {
  return handles.length >= 1 && handles.length <= MAX_WAIT_MANY && interests.length === handles.length && ready.length >= handles.length;
}
