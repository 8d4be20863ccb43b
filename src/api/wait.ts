/**
 * Waiting for the first of several objects (ports, channel ends,
 * semaphores, rings) to become ready, like Go's select or
 * zx_object_wait_many:
 *
 * ```ts
 * const [first] = waitAny([requests, { handle: jobs, events: EVENT_READABLE }, stop], { timeout: 1000 });
 * if (first.handle === stop) return;
 * ```
 *
 * Every ready entry is returned (at least one), in the order given. An
 * object that was destroyed counts as ready with `destroyed` set: the next
 * operation on it throws BrokenPipeError.
 */
import type { TaskContext } from '../core/context.js';
import { EINVAL, EPIPE } from '../core/errno.js';
import { MAX_WAIT_MANY, waitManyOp } from '../ops/wait-many.js';
import { NO_MEMORY, blocking, blockingAsync } from '../ops/blocking.js';
import { check, InvalidArgumentError } from './errors.js';
import { type AsyncWaitOptions, deadlineOf, Handle, signalOf, type WaitOptions } from './handle.js';
import { describe, integerArgument, invalidArgument } from './arguments.js';

/** A handle and the events to wait for on it (EVENT_READABLE, EVENT_WRITABLE; default both). */
export interface WaitTarget<H extends Handle = Handle> {
  handle: H;
  events?: number;
}

export interface ReadyEntry<H extends Handle = Handle> {
  /** Position in the list given. */
  index: number;
  handle: H;
  /** The ready events among those asked for (0 when destroyed). */
  events: number;
  destroyed: boolean;
}

interface Prepared {
  ctx: TaskContext;
  handles: Int32Array;
  interests: Int32Array;
  ready: Int32Array;
  targets: WaitTarget[];
}

function prepare(list: readonly (Handle | WaitTarget)[], operation: string): Prepared {
  if (!Array.isArray(list)) throw invalidArgument(operation, `targets must be an array, not ${describe(list)}`);
  if (list.length < 1 || list.length > MAX_WAIT_MANY) {
    throw new InvalidArgumentError(EINVAL, `${operation}: give 1 to ${MAX_WAIT_MANY} handles, not ${list.length}`);
  }
  // Each target read once, into objects of our own.
  const targets = list.map((item, index): WaitTarget => {
    if (item instanceof Handle) return { handle: item };
    if (typeof item !== 'object' || item === null) throw invalidArgument(operation, `targets[${index}] must be a Handle or { handle, events }, not ${describe(item)}`);
    const { handle, events } = item;
    if (!(handle instanceof Handle)) throw invalidArgument(operation, `targets[${index}].handle must be a Handle, not ${describe(handle)}`);
    if (events !== undefined) integerArgument(events, `targets[${index}].events`, operation, 0, 3);
    return { handle, events };
  });
  const ctx = targets[0]!.handle.ctx;
  if (targets.some((t) => t.handle.ctx !== ctx)) {
    throw new InvalidArgumentError(EINVAL, `${operation}: all handles must belong to the same task`);
  }
  return {
    ctx,
    handles: Int32Array.from(targets, (t) => t.handle.handle),
    interests: Int32Array.from(targets, (t) => t.events ?? 0),
    ready: new Int32Array(targets.length),
    targets,
  };
}

function readyEntries<H extends Handle>(p: Prepared): ReadyEntry<H>[] {
  const entries: ReadyEntry<H>[] = [];
  p.ready.forEach((events, index) => {
    if (events === 0) return;
    const destroyed = events === -EPIPE;
    entries.push({ index, handle: p.targets[index]!.handle as H, events: destroyed ? 0 : events, destroyed });
  });
  return entries;
}

/** Waits until at least one target is ready; returns the ready ones. Throws TimeoutError, BadHandleError. */
export function waitAny<H extends Handle>(targets: readonly (H | WaitTarget<H>)[], options?: WaitOptions): ReadyEntry<H>[] {
  const p = prepare(targets, 'waitAny');
  const deadline = deadlineOf(options, 'waitAny');
  check(blocking(waitManyOp(p.ctx, p.handles, p.interests, p.ready), p.ctx, 0, NO_MEMORY, 0, 0, deadline), 'waitAny');
  return readyEntries(p);
}

/** {@link waitAny} without blocking the event loop; `signal` aborts it (InterruptedError). */
export async function waitAnyAsync<H extends Handle>(targets: readonly (H | WaitTarget<H>)[], options?: AsyncWaitOptions): Promise<ReadyEntry<H>[]> {
  const p = prepare(targets, 'waitAnyAsync');
  const deadline = deadlineOf(options, 'waitAnyAsync');
  const signal = signalOf(options, 'waitAnyAsync');
  check(await blockingAsync(waitManyOp(p.ctx, p.handles, p.interests, p.ready), p.ctx, 0, NO_MEMORY, 0, 0, deadline, signal), 'waitAnyAsync', signal);
  return readyEntries(p);
}
