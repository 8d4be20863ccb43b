/**
 * The namespace in the model (205/206/208; docs/objects/namespace.md): a flat table of
 * paths bound to ports. Paths start with `/`, trailing `/` are stripped,
 * connect picks the longest binding that covers the path on a `/` boundary
 * and hands out a send-only root handle.
 */
import { E, RIGHT } from './abi.js';
import { inMemory, intArg } from './args.js';
import { install, lookupKind } from './handles.js';
import type { PortObject } from './objects.js';
import type { ModelState } from './state.js';

const SLASH = '/';

/**
 * The path argument: EINVAL unless `len` is an integer >= 1, EFAULT unless
 * it lies in memory, EINVAL unless it starts with `/` and, stripped of
 * trailing `/`, fits maxPathBytes. The stripped path, or -errno.
 */
export function pathArg(s: ModelState, pid: number, ptrArg: unknown, lenArg: unknown): string | number {
  const len = intArg(lenArg);
  if (!(len >= 1)) return -E.EINVAL;
  const mem = s.tasks[pid]!.mem;
  const ptr = intArg(ptrArg);
  if (!inMemory(mem.length, ptr, len)) return -E.EFAULT;
  let path = String.fromCharCode(...mem.subarray(ptr, ptr + len));
  if (path[0] !== SLASH) return -E.EINVAL;
  while (path.length > 1 && path.endsWith(SLASH)) path = path.slice(0, -1);
  if (path.length > s.limits.maxPathBytes) return -E.EINVAL;
  return path;
}

/** IPC_BIND_PORT: handle errors first (needs read, write and grant), then the path, EPIPE, EEXIST, ENOSPC. */
export function bind(s: ModelState, pid: number, hArg: unknown, ptrArg: unknown, lenArg: unknown): number {
  const path = pathArg(s, pid, ptrArg, lenArg);
  const node = lookupKind(s, pid, intArg(hArg), 'port', RIGHT.READ | RIGHT.WRITE | RIGHT.GRANT);
  if (typeof node === 'number') return node;
  if (typeof path === 'number') return path;
  const port = s.objects[node.objectId] as PortObject;
  if (port.destroyed) return -E.EPIPE;
  if (s.bindings.some((b) => b.path === path)) return -E.EEXIST;
  if (s.bindings.length >= s.limits.namespaceEntries) return -E.ENOSPC;
  s.bindings.push({ path, portId: port.id, binder: pid });
  return 0;
}

/** IPC_UNBIND_PORT: exactly this path; only its binder or the port's owner (EPERM). */
export function unbind(s: ModelState, pid: number, ptrArg: unknown, lenArg: unknown): number {
  const path = pathArg(s, pid, ptrArg, lenArg);
  if (typeof path === 'number') return path;
  const b = s.bindings.find((x) => x.path === path);
  if (b === undefined) return -E.ENOENT;
  const owner = (s.objects[b.portId] as PortObject).owner;
  if (b.binder !== pid && owner !== pid) return -E.EPERM;
  s.bindings = s.bindings.filter((x) => x !== b);
  return 0;
}

/** Whether binding `bound` covers `path`: equal, a prefix ending at a `/`, or `/` itself. */
export function covers(bound: string, path: string): boolean {
  return path === bound || bound === SLASH || (path.startsWith(bound) && path[bound.length] === SLASH);
}

/** IPC_CONNECT: a new send-only (write) root handle to the port of the longest covering binding. */
export function connect(s: ModelState, pid: number, ptrArg: unknown, lenArg: unknown): number {
  const path = pathArg(s, pid, ptrArg, lenArg);
  if (typeof path === 'number') return path;
  let best: { path: string; portId: number } | undefined;
  for (const b of s.bindings) if (covers(b.path, path) && (best === undefined || b.path.length > best.path.length)) best = b;
  if (best === undefined) return -E.ENOENT;
  return install(s, pid, best.portId, RIGHT.WRITE, null);
}
