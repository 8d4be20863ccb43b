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
import type { TaskContext } from '../kernel/context.js';
import { EINVAL, EPIPE } from '../kernel/errno.js';
import { MAX_WAIT_MANY, waitMany, waitManyAsync } from '../kernel/wait-many.js';
import { check, InvalidArgumentError } from './errors.js';
import { type AsyncWaitOptions, deadlineOf, Handle, type WaitOptions } from './handle.js';

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
  if (list.length < 1 || list.length > MAX_WAIT_MANY) {
    throw new InvalidArgumentError(EINVAL, `${operation}: give 1 to ${MAX_WAIT_MANY} handles, not ${list.length}`);
  }
  const targets = list.map((item) => (item instanceof Handle ? { handle: item } : item));
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
  check(waitMany(p.ctx, p.handles, p.interests, p.ready, deadlineOf(options)), 'waitAny');
  return readyEntries(p);
}

/** {@link waitAny} without blocking the event loop; `signal` aborts it (InterruptedError). */
export async function waitAnyAsync<H extends Handle>(targets: readonly (H | WaitTarget<H>)[], options?: AsyncWaitOptions): Promise<ReadyEntry<H>[]> {
  const p = prepare(targets, 'waitAnyAsync');
  const signal = options?.signal;
  check(await waitManyAsync(p.ctx, p.handles, p.interests, p.ready, deadlineOf(options), signal), 'waitAnyAsync', signal);
  return readyEntries(p);
}
