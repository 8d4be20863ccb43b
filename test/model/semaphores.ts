/**
 * Semaphores in the model (230-234; docs/objects/semaphore.md): a count from 0 to
 * 2^31-1; wait takes a unit or blocks while the count is 0; post adds one.
 * No queue of waiters: whoever tries first after a post takes the unit.
 */
import { type Attempt, BLOCK, E, LIMIT, RIGHT } from './abi.js';
import { intArg } from './args.js';
import { addObject, type SemaphoreObject } from './objects.js';
import { install, lookupKind, tableSize } from './handles.js';
import { type ModelState, objectKey, touch } from './state.js';

/** SEM_CREATE: EINVAL unless 0 <= initial <= 2^31-1; ENOSPC. */
export function createSemaphore(s: ModelState, pid: number, initialArg: unknown): number {
  const initial = intArg(initialArg);
  if (!(initial >= 0 && initial <= LIMIT.SEMAPHORE_MAX)) return -E.EINVAL;
  if (tableSize(s, pid) >= s.limits.maxHandles) return -E.ENOSPC;
  const sem = addObject<SemaphoreObject>(s, (id) => ({ kind: 'semaphore', id, count: initial }));
  return install(s, pid, sem.id, RIGHT.ALL, null);
}

/** SEM_WAIT / SEM_TRYWAIT: EBADF, EPERM (read), then a unit (BLOCK or EAGAIN at 0). */
export function semaphoreTakeAttempt(s: ModelState, pid: number, hArg: unknown, wait: boolean): Attempt {
  const node = lookupKind(s, pid, intArg(hArg), 'semaphore', RIGHT.READ);
  if (typeof node === 'number') return node;
  const sem = s.objects[node.objectId] as SemaphoreObject;
  if (sem.count === 0) return wait ? BLOCK : -E.EAGAIN;
  sem.count--;
  touch(s, objectKey(sem.id));
  return 0;
}

/** SEM_POST: EBADF, EPERM (write), EINVAL at 2^31-1; else one more unit, and the waiters look again. */
export function semaphorePost(s: ModelState, pid: number, hArg: unknown): number {
  const node = lookupKind(s, pid, intArg(hArg), 'semaphore', RIGHT.WRITE);
  if (typeof node === 'number') return node;
  const sem = s.objects[node.objectId] as SemaphoreObject;
  if (sem.count >= LIMIT.SEMAPHORE_MAX) return -E.EINVAL;
  sem.count++;
  touch(s, objectKey(sem.id));
  return 0;
}
