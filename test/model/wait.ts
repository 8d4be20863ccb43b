/**
 * HANDLE_WAIT in the model (docs/syscalls/handle_wait.md):
 * the events of interest that are ready, reported only when the handle's
 * rights allow acting on them. Poll (timeout 0) answers EAGAIN when none
 * is; otherwise the task waits until one is, or the object is destroyed
 * (EPIPE), or its handle goes (EBADF).
 */
import { type Attempt, BLOCK, E, EVENT, RIGHT } from './abi.js';
import { intArg } from './args.js';
import { lookup } from './handles.js';
import { ends } from './channels.js';
import type { ModelState } from './state.js';

/** The events argument: omitted is 0 (both); else an integer 0..3. */
function interestArg(x: unknown): number {
  return x === undefined ? 0 : intArg(x);
}

/**
 * HANDLE_WAIT(h, timeout_ns, events): EINVAL for a timeout that is not 0,
 * -1 or positive; EINVAL for events outside 0..3; EBADF; EPIPE for a
 * destroyed port; then the ready events, or EAGAIN (poll) or BLOCK.
 * A positive timeout is taken as "long enough never to pass" (the programs
 * only use ones that long).
 */
export function waitAttempt(s: ModelState, pid: number, hArg: unknown, nsArg: unknown, eventsArg: unknown): Attempt {
  const ns = intArg(nsArg);
  if (!(ns >= -1)) return -E.EINVAL;
  let interest = interestArg(eventsArg);
  if (!(interest >= 0 && interest <= 3)) return -E.EINVAL;
  if (interest === 0) interest = EVENT.READABLE | EVENT.WRITABLE;
  const node = lookup(s, pid, intArg(hArg), 0);
  if (typeof node === 'number') return node;
  const o = s.objects[node.objectId]!;
  const canRead = (node.rights & RIGHT.READ) !== 0 && (interest & EVENT.READABLE) !== 0;
  const canWrite = (node.rights & RIGHT.WRITE) !== 0 && (interest & EVENT.WRITABLE) !== 0;
  let events = 0;
  switch (o.kind) {
    case 'port':
      if (o.destroyed) return -E.EPIPE;
      if (canRead && o.queue.length > 0) events |= EVENT.READABLE;
      if (canWrite && o.queue.length < o.capacity) events |= EVENT.WRITABLE;
      break;
    case 'channel':
      if (canRead && (o.queue.length > 0 || ends(s, o.id, RIGHT.WRITE) === 0)) events |= EVENT.READABLE;
      if (canWrite && (o.queue.length < o.capacity || ends(s, o.id, RIGHT.READ) === 0)) events |= EVENT.WRITABLE;
      break;
    case 'ring':
      if (canWrite) events |= EVENT.WRITABLE;
      break;
    case 'semaphore':
      if (canRead && o.count > 0) events |= EVENT.READABLE;
      break;
  }
  if (events !== 0) return events;
  return ns === 0 ? -E.EAGAIN : BLOCK;
}
