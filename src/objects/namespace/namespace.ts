/**
 * The namespace: paths bound to ports (Strat9's IPC_BIND_PORT, IPC_CONNECT).
 *
 * Paths are byte strings that start with `/`; a trailing `/` is stripped.
 * Resolution takes the longest bound prefix that ends on a `/` boundary, so
 * `/srv/fs` serves `/srv/fs` and `/srv/fs/a` but not `/srv/fsx`. A binding
 * does not keep its port alive: destroying the port removes its names, and a
 * task's bindings go with it when it dies.
 *
 * A task confined by a namespace policy (policy.ts) binds and
 * connects only within its allowed prefixes, and sees only the bindings
 * that lie within its connect prefixes.
 */
import * as L from '../../core/layout.js';
import { EEXIST, EFAULT, EINVAL, ENOENT, ENOSPC, EPERM, EPIPE } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, inBounds } from '../../core/copy.js';
import { installHandle, lookupTyped, objectOfEntry } from '../../core/handles.js';
import { charge, creditPid } from '../../core/quota.js';
import { isConfined, policyAllows, prefixCovers, strippedPathLength } from './policy.js';

/**
 * Validates a path argument: in bounds (EFAULT), starts with `/` and fits the
 * kernel's path limit (EINVAL). Returns its length with trailing slashes
 * stripped, or -errno.
 */
function pathLength(r: Region, mem: MessageMemory, ptr: number, len: number): number {
  if (typeof len !== 'number' || !Number.isInteger(len) || len < 1) return -EINVAL;
  if (!inBounds(mem, ptr, len)) return -EFAULT;
  return strippedPathLength(mem.bytes, ptr, len, r.maxPathBytes);
}

function pathEquals(r: Region, n: number, mem: MessageMemory, ptr: number, len: number): boolean {
  if (r.w[n + L.N_LENGTH] !== len) return false;
  const at = (n + L.N_PATH) << 2;
  const kb = r.bytes;
  const b = mem.bytes;
  for (let i = 0; i < len; i++) if (kb[at + i] !== b[ptr + i]) return false;
  return true;
}

/** Whether binding `n` is a prefix of the path on a `/` boundary. */
function pathCovers(r: Region, n: number, mem: MessageMemory, ptr: number, len: number): boolean {
  return prefixCovers(r.bytes, (n + L.N_PATH) << 2, r.w[n + L.N_LENGTH]!, mem.bytes, ptr, len);
}

/** Whether a confined task in `slot` may see binding `n` (it lies within one of its connect prefixes). */
function bindingVisible(r: Region, slot: number, n: number): boolean {
  return policyAllows(r, slot, L.POLICY_CONNECT, r.bytes, (n + L.N_PATH) << 2, r.w[n + L.N_LENGTH]!);
}

/**
 * IPC_BIND_PORT: binds the port named by `h` at the path.
 * Errors: EBADF not a port handle; EPERM lacks read, write or grant, or the
 * caller's namespace policy allows no binding there (checked before EEXIST,
 * so a confined task learns nothing of names outside its view); EFAULT
 * path outside memory; EINVAL empty, not starting with `/`, or too long;
 * EEXIST the path is bound; EPIPE the port is destroyed; ENOSPC the namespace
 * is full; EDQUOT the caller's names quota is reached.
 */
export function bind(ctx: TaskContext, h: number, mem: MessageMemory, ptr: number, len: number): number {
  const r = ctx.r;
  const length = pathLength(r, mem, ptr, len);
  r.lock();
  const e = lookupTyped(r, ctx.slot, h, L.OBJ_PORT, L.RIGHT_READ | L.RIGHT_WRITE | L.RIGHT_GRANT);
  let result = e < 0 ? e : length < 0 ? length : 0;
  if (result === 0 && !policyAllows(r, ctx.slot, L.POLICY_BIND, mem.bytes, ptr, length)) result = -EPERM;
  if (result === 0) result = bindLocked(ctx, objectOfEntry(r, e), mem, ptr, length);
  r.unlock();
  return result;
}

function bindLocked(ctx: TaskContext, slot: number, mem: MessageMemory, ptr: number, length: number): number {
  const r = ctx.r;
  const w = r.w;
  const o = r.object(slot);
  if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) return -EPIPE;
  let free = -1;
  for (let i = 0; i < r.namespaceEntries; i++) {
    const n = r.binding(i);
    if (w[n + L.N_USED] === 0) {
      if (free < 0) free = n;
    } else if (pathEquals(r, n, mem, ptr, length)) {
      return -EEXIST;
    }
  }
  if (free < 0) return -ENOSPC;
  const refused = charge(r, ctx.slot, L.QUOTA_NAMES, 1);
  if (refused < 0) return refused;
  const at = (free + L.N_PATH) << 2;
  // Path bytes go into the free entry before the logged stores publish it.
  r.bytes.set(mem.bytes.subarray(ptr, ptr + length), at);
  r.set(free + L.N_OBJECT, slot + 1);
  r.set(free + L.N_OBJECT_GEN, w[o + L.O_GEN]!);
  r.set(free + L.N_BINDER, ctx.pid);
  r.set(free + L.N_LENGTH, length);
  r.set(free + L.N_USED, 1);
  r.add(o + L.O_BINDINGS, 1);
  r.add(L.H_BINDINGS_USED, 1);
  return 0;
}

/**
 * IPC_UNBIND_PORT: removes the binding at exactly this path; the port lives on.
 * Only the task that bound it or the port's owner may unbind it.
 * Errors: EFAULT; EINVAL malformed path; ENOENT nothing bound there; EPERM
 * bound by another task to a port the caller does not own.
 */
export function unbind(ctx: TaskContext, mem: MessageMemory, ptr: number, len: number): number {
  const r = ctx.r;
  const length = pathLength(r, mem, ptr, len);
  if (length < 0) return length;
  const w = r.w;
  r.lock();
  let result = -ENOENT;
  for (let i = 0; i < r.namespaceEntries; i++) {
    const n = r.binding(i);
    if (w[n + L.N_USED] === 0 || !pathEquals(r, n, mem, ptr, length)) continue;
    const owner = w[r.object(w[n + L.N_OBJECT]! - 1) + L.O_OWNER];
    if (w[n + L.N_BINDER] !== ctx.pid && owner !== ctx.pid) result = -EPERM;
    else {
      removeBinding(r, n);
      result = 0;
    }
    break;
  }
  r.unlock();
  return result;
}

/**
 * IPC_CONNECT: resolves the path by longest prefix and returns a new
 * send-only (write) handle to the port. A confined caller may connect only
 * within its connect prefixes and resolves only among the bindings that lie
 * within them.
 * Errors: EFAULT; EINVAL malformed path; EPERM the caller's namespace
 * policy allows no connect there; ENOENT no binding (that the caller may
 * see) covers it; ENOSPC the caller's handle table is full; EDQUOT its
 * handles quota is reached.
 */
export function connect(ctx: TaskContext, mem: MessageMemory, ptr: number, len: number): number {
  const r = ctx.r;
  const length = pathLength(r, mem, ptr, len);
  if (length < 0) return length;
  const w = r.w;
  r.lock();
  const confined = isConfined(r, ctx.slot);
  if (confined && !policyAllows(r, ctx.slot, L.POLICY_CONNECT, mem.bytes, ptr, length)) return r.unlockWith(-EPERM);
  let best = -1;
  let bestLength = -1;
  for (let i = 0; i < r.namespaceEntries; i++) {
    const n = r.binding(i);
    if (w[n + L.N_USED] === 0 || w[n + L.N_LENGTH]! <= bestLength) continue;
    if (pathCovers(r, n, mem, ptr, length) && (!confined || bindingVisible(r, ctx.slot, n))) {
      best = n;
      bestLength = w[n + L.N_LENGTH]!;
    }
  }
  const result = best < 0 ? -ENOENT : installHandle(r, ctx.slot, w[best + L.N_OBJECT]! - 1, L.RIGHT_WRITE, 0);
  r.unlock();
  return result;
}

function removeBinding(r: Region, n: number): void {
  const slot = r.w[n + L.N_OBJECT]! - 1;
  r.set(n + L.N_USED, 0);
  r.add(r.object(slot) + L.O_BINDINGS, -1);
  r.add(L.H_BINDINGS_USED, -1);
  creditPid(r, r.w[n + L.N_BINDER]!, L.QUOTA_NAMES, 1);
}

/** Removes every name of the object in `slot` (it is being destroyed). Lock held. */
export function removeBindingsOf(r: Region, slot: number): void {
  for (let i = 0; i < r.namespaceEntries; i++) {
    const n = r.binding(i);
    if (r.w[n + L.N_USED] !== 0 && r.w[n + L.N_OBJECT] === slot + 1) removeBinding(r, n);
  }
}

/** Removes every binding made by `pid` (it died). Lock held. */
export function removeBindingsBy(r: Region, pid: number): void {
  for (let i = 0; i < r.namespaceEntries; i++) {
    const n = r.binding(i);
    if (r.w[n + L.N_USED] !== 0 && r.w[n + L.N_BINDER] === pid) removeBinding(r, n);
  }
}

/** Every binding, for the snapshot. Lock held. */
export function listBindings(r: Region): { path: string; objectSlot: number; binder: number }[] {
  const out: { path: string; objectSlot: number; binder: number }[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < r.namespaceEntries; i++) {
    const n = r.binding(i);
    if (r.w[n + L.N_USED] === 0) continue;
    const at = (n + L.N_PATH) << 2;
    out.push({
      path: decoder.decode(r.bytes.slice(at, at + r.w[n + L.N_LENGTH]!)),
      objectSlot: r.w[n + L.N_OBJECT]! - 1,
      binder: r.w[n + L.N_BINDER]!,
    });
  }
  return out;
}
