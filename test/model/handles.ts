/**
 * Handles in the model (syscalls 1-6; docs/objects/handle.md): per-task tables of
 * capabilities with rights, and their lineage. A handle made from another
 * (duplicate, grant, transfer in a message) derives from it; HANDLE_REVOKE
 * closes everything that derives from a handle, in tables and in flight;
 * closing a handle in the middle of a chain re-attaches its children to its
 * parent. Values are never reused, so a closed handle is EBADF forever.
 */
import { E, LIMIT, RIGHT } from './abi.js';
import { type HandleNode, type ModelState, objectKey, touch } from './state.js';
import { freeIfUnreferenced, typeOf, type ModelObject } from './objects.js';
import { destroyPort } from './ports.js';
import { inMemory } from './args.js';
import { writeU32, writeU64 } from './memory.js';

/** The live handle `h` of task `pid` if it has every right in `rights`; else -EBADF or -EPERM. */
export function lookup(s: ModelState, pid: number, h: number, rights: number): HandleNode | number {
  const node = s.nodes.find((n) => n.pid === pid && n.value === h);
  if (node === undefined || Number.isNaN(h)) return -E.EBADF;
  if ((node.rights & rights) !== rights) return -E.EPERM;
  return node;
}

/** {@link lookup} for a handle that must name an object of `kind` (EBADF otherwise) and have `rights`. */
export function lookupKind(s: ModelState, pid: number, h: number, kind: ModelObject['kind'], rights: number): HandleNode | number {
  const node = lookup(s, pid, h, 0);
  if (typeof node === 'number') return node;
  if (s.objects[node.objectId]!.kind !== kind) return -E.EBADF;
  if ((node.rights & rights) !== rights) return -E.EPERM;
  return node;
}

/** How many handles task `pid`'s table holds. */
export function tableSize(s: ModelState, pid: number): number {
  return s.nodes.filter((n) => n.pid === pid).length;
}

/** Installs a handle to `objectId` in `pid`'s table; its value, or -ENOSPC when the table is full. */
export function install(s: ModelState, pid: number, objectId: number, rights: number, parentId: number | null): number {
  if (tableSize(s, pid) >= s.limits.maxHandles) return -E.ENOSPC;
  const task = s.tasks[pid]!;
  const value = task.nextHandle++;
  s.nodes.push({ id: s.nextNodeId++, pid, value, objectId, rights, parentId });
  return value;
}

/** Puts a copy of `from` in flight (in a queued message); returns the new node's id. */
export function attachTransfer(s: ModelState, from: HandleNode): number {
  const id = s.nextNodeId++;
  s.nodes.push({ id, pid: null, value: 0, objectId: from.objectId, rights: from.rights, parentId: from.id });
  return id;
}

/** Lands the handle in flight `nodeId` in `pid`'s table: its new value, or -ENOSPC with nothing changed. */
export function landTransfer(s: ModelState, nodeId: number, pid: number): number {
  const node = s.nodes.find((n) => n.id === nodeId)!;
  if (tableSize(s, pid) >= s.limits.maxHandles) return -E.ENOSPC;
  node.pid = pid;
  node.value = s.tasks[pid]!.nextHandle++;
  return node.value;
}

/** Whether owner `pid` still has a handle with read to port `objectId` in its table. */
function ownerCanReceive(s: ModelState, pid: number, objectId: number): boolean {
  return s.nodes.some((n) => n.pid === pid && n.objectId === objectId && (n.rights & RIGHT.READ) !== 0);
}

/**
 * Removes handle `nodeId` (closed, revoked, or dropped in flight): its
 * children now derive from its parent; every task waiting on its object
 * looks again; a port whose owner has no handle with read left is destroyed;
 * an object nothing names any more is freed.
 */
export function release(s: ModelState, nodeId: number): void {
  const node = s.nodes.find((n) => n.id === nodeId)!;
  for (const child of s.nodes) if (child.parentId === node.id) child.parentId = node.parentId;
  s.nodes = s.nodes.filter((n) => n.id !== nodeId);
  // A handle dropped in flight (revoked): its message is still delivered, with flags 0.
  if (node.pid === null) {
    for (const o of Object.values(s.objects)) if (o.kind === 'port') for (const m of o.queue) if (m.transferNodeId === nodeId) m.transferNodeId = null;
  }
  const o = s.objects[node.objectId]!;
  touch(s, objectKey(o.id));
  if (o.kind === 'port' && !o.destroyed && node.pid === o.owner && (node.rights & RIGHT.READ) !== 0 && !ownerCanReceive(s, o.owner, o.id)) {
    destroyPort(s, o);
  }
  freeIfUnreferenced(s, o.id);
}

/** Whether `node` derives, directly or not, from node `rootId`. */
function derivesFrom(s: ModelState, node: HandleNode, rootId: number): boolean {
  for (let p = node.parentId; p !== null; p = s.nodes.find((n) => n.id === p)?.parentId ?? null) if (p === rootId) return true;
  return false;
}

/**
 * HANDLE_REVOKE's work: closes every handle deriving from `root` in the
 * tables and drops those in flight, leaves first (a handle is closed once
 * nothing derives from it any more), in passes of "tables, then messages".
 * Returns how many it closed or dropped itself (a handle in flight that a
 * port's destruction dropped on the way is not counted).
 */
export function revokeDescendants(s: ModelState, root: HandleNode): number {
  let closed = 0;
  for (;;) {
    const below = s.nodes.filter((n) => derivesFrom(s, n, root.id));
    if (below.length === 0) return closed;
    for (const n of below.filter((x) => x.pid !== null)) {
      const still = s.nodes.find((x) => x.id === n.id);
      if (still === undefined || s.nodes.some((c) => c.parentId === n.id)) continue;
      release(s, n.id);
      closed++;
    }
    for (const n of s.nodes.filter((x) => x.pid === null && derivesFrom(s, x, root.id))) {
      release(s, n.id);
      closed++;
    }
  }
}

/** HANDLE_DUPLICATE. */
export function duplicate(s: ModelState, pid: number, h: number): number {
  const node = lookup(s, pid, h, RIGHT.GRANT);
  if (typeof node === 'number') return node;
  return install(s, pid, node.objectId, node.rights, node.id);
}

/** HANDLE_CLOSE, and CHAN_CLOSE / SEM_CLOSE with `kind`. */
export function close(s: ModelState, pid: number, h: number, kind?: ModelObject['kind']): number {
  const node = kind === undefined ? lookup(s, pid, h, 0) : lookupKind(s, pid, h, kind, 0);
  if (typeof node === 'number') return node;
  release(s, node.id);
  return 0;
}

/** HANDLE_GRANT: a copy in `target`'s table (live tasks only: ESRCH). */
export function grant(s: ModelState, pid: number, h: number, target: number): number {
  const node = lookup(s, pid, h, RIGHT.GRANT);
  if (typeof node === 'number') return node;
  if (s.tasks[target] === undefined || !s.tasks[target].alive) return -E.ESRCH;
  return install(s, target, node.objectId, node.rights, node.id);
}

/** HANDLE_REVOKE. */
export function revoke(s: ModelState, pid: number, h: number): number {
  const node = lookup(s, pid, h, RIGHT.REVOKE);
  if (typeof node === 'number') return node;
  return revokeDescendants(s, node);
}

/** HANDLE_INFO: {resource type u32, rights u32, object id u64} at `ptr`. */
export function info(s: ModelState, pid: number, h: number, ptr: number): number {
  const node = lookup(s, pid, h, 0);
  if (typeof node === 'number') return node;
  const mem = s.tasks[pid]!.mem;
  if (!inMemory(mem.length, ptr, LIMIT.HANDLE_INFO_BYTES)) return -E.EFAULT;
  const o = s.objects[node.objectId]!;
  writeU32(mem, ptr, typeOf(o));
  writeU32(mem, ptr + 4, node.rights);
  writeU64(mem, ptr + 8, o.id);
  return 0;
}
