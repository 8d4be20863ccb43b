/**
 * Namespace policies: which prefixes a task may bind and which it may
 * connect to (docs/namespace.md).
 *
 * A task spawned without a policy is unrestricted, as before policies
 * existed. A confined task (spawned with `namespace: { bind, connect }`)
 * may bind a path only if it lies within one of its bind prefixes, and
 * connect to a path only if the path lies within one of its connect
 * prefixes; resolution then considers only bindings that themselves lie
 * within a connect prefix, so a task that bound `/` never answers a
 * confined task's connect to a name nobody bound. "Within" is the
 * namespace's own rule: `/srv/fs` covers `/srv/fs` and `/srv/fs/a`, not
 * `/srv/fsx`; `/` covers everything.
 *
 * The policy lives in the kernel region (one record per task slot, NP_* in
 * layout.ts), is written by the spawner before the task runs, may be
 * narrowed (never widened) by the task itself, and is cleared when the
 * task is reaped.
 */
import * as L from '../../core/layout.js';
import { EINVAL, EPERM } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';

const SLASH = 0x2f;

/** What a task may bind and connect to; an omitted list allows nothing of that kind. */
export interface NamespacePolicy {
  /** Prefixes the task may bind paths within (`['/']` allows any). */
  bind?: readonly string[];
  /** Prefixes the task may connect within, and whose bindings it may reach (`['/']` allows any). */
  connect?: readonly string[];
}

/** One validated prefix: POLICY_BIND | POLICY_CONNECT bits, and its bytes without trailing `/`. */
export interface PolicyEntry {
  kinds: number;
  path: Uint8Array;
}

/**
 * The namespace's path rule on `len` bytes at `at` of `bytes`: they start
 * with `/`, trailing `/`s are stripped, and what is left fits `maxPathBytes`.
 * Returns the stripped length, or -EINVAL. Bounds are the caller's concern.
 */
export function strippedPathLength(bytes: Uint8Array, at: number, len: number, maxPathBytes: number): number {
  if (len < 1 || bytes[at] !== SLASH) return -EINVAL;
  while (len > 1 && bytes[at + len - 1] === SLASH) len--;
  return len > maxPathBytes ? -EINVAL : len;
}

/**
 * Whether the prefix (`prefixLength` bytes at `prefixAt` of `prefixBytes`)
 * covers the path on a `/` boundary: `/srv/fs` covers `/srv/fs` and
 * `/srv/fs/a` but not `/srv/fsx`; `/` covers every path.
 */
export function prefixCovers(prefixBytes: Uint8Array, prefixAt: number, prefixLength: number, pathBytes: Uint8Array, pathAt: number, pathLength: number): boolean {
  if (prefixLength > pathLength) return false;
  for (let i = 0; i < prefixLength; i++) if (prefixBytes[prefixAt + i] !== pathBytes[pathAt + i]) return false;
  return prefixLength === pathLength || prefixLength === 1 || pathBytes[pathAt + prefixLength] === SLASH;
}

/**
 * Validates a policy given to `where` (e.g. 'Kernel.spawn') and turns it
 * into entries, one per distinct prefix. Throws a TypeError or RangeError
 * with a sentence when it is not an object of string lists, a prefix does
 * not start with `/` or is longer than `maxPathBytes` (trailing `/`
 * stripped), or there are more than NAMESPACE_POLICY_ENTRIES distinct
 * prefixes. Touches no kernel state.
 */
export function parseNamespacePolicy(policy: unknown, maxPathBytes: number, where: string): PolicyEntry[] {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw new TypeError(`${where}: namespace must be an object { bind?: string[], connect?: string[] }`);
  }
  for (const key of Object.keys(policy)) {
    if (key !== 'bind' && key !== 'connect') throw new TypeError(`${where}: namespace has an unknown key '${key}' (only 'bind' and 'connect')`);
  }
  const entries: PolicyEntry[] = [];
  const byPath = new Map<string, PolicyEntry>();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  for (const [key, kind] of [['bind', L.POLICY_BIND], ['connect', L.POLICY_CONNECT]] as const) {
    const list = (policy as NamespacePolicy)[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new TypeError(`${where}: namespace.${key} must be an array of path prefixes`);
    for (const prefix of list as unknown[]) {
      if (typeof prefix !== 'string') throw new TypeError(`${where}: namespace.${key} holds ${typeof prefix} ${String(prefix)}, not a path string`);
      const bytes = encoder.encode(prefix);
      const length = strippedPathLength(bytes, 0, bytes.length, maxPathBytes);
      if (length < 0) {
        throw new RangeError(`${where}: namespace.${key} prefix '${prefix}' must start with '/' and be at most ${maxPathBytes} bytes (the kernel's maxPathBytes)`);
      }
      const path = bytes.subarray(0, length);
      const name = decoder.decode(path);
      const known = byPath.get(name);
      if (known !== undefined) {
        known.kinds |= kind;
        continue;
      }
      if (entries.length === L.NAMESPACE_POLICY_ENTRIES) {
        throw new RangeError(`${where}: namespace allows at most ${L.NAMESPACE_POLICY_ENTRIES} distinct prefixes (bind and connect together)`);
      }
      const entry = { kinds: kind, path };
      entries.push(entry);
      byPath.set(name, entry);
    }
  }
  return entries;
}

/** Whether task `slot` is confined by a policy. Lock not required for the task's own slot. */
export function isConfined(r: Region, slot: number): boolean {
  return r.w[r.namespacePolicy(slot) + L.NP_CONFINED] !== 0;
}

/**
 * Whether task `slot` may `kind` (POLICY_BIND or POLICY_CONNECT) the path of
 * `length` bytes at `at` of `bytes` (validated and stripped): always for an
 * unrestricted task, else when an entry of that kind covers it. Kernel lock
 * held, or `slot` is the caller's own (only it and its reaper change it).
 */
export function policyAllows(r: Region, slot: number, kind: number, bytes: Uint8Array, at: number, length: number): boolean {
  const p = r.namespacePolicy(slot);
  const w = r.w;
  if (w[p + L.NP_CONFINED] === 0) return true;
  const entryWords = L.policyEntryWords(r.maxPathBytes);
  for (let i = 0; i < L.NAMESPACE_POLICY_ENTRIES; i++) {
    const e = p + L.NP_ENTRIES + i * entryWords;
    if ((w[e + L.NPE_KINDS]! & kind) === 0) continue;
    if (prefixCovers(r.bytes, (e + L.NPE_PATH) << 2, w[e + L.NPE_LENGTH]!, bytes, at, length)) return true;
  }
  return false;
}

/**
 * Replaces task `slot`'s policy: `entries` (confined), or none at all
 * (`undefined`: unrestricted). Logged as one saved run, so a holder killed
 * meanwhile leaves the old policy whole. Kernel lock held; entries from
 * {@link parseNamespacePolicy}.
 */
export function writePolicyLocked(r: Region, slot: number, entries: readonly PolicyEntry[] | undefined): void {
  const p = r.namespacePolicy(slot);
  const w = r.w;
  // An unconfined task's record is all zeros already: nothing to log or clear.
  if (entries === undefined && w[p + L.NP_CONFINED] === 0) return;
  r.saveRange(p, r.namespacePolicyWords);
  w.fill(0, p, p + r.namespacePolicyWords);
  if (entries === undefined) return;
  const entryWords = L.policyEntryWords(r.maxPathBytes);
  entries.forEach((entry, i) => {
    const e = p + L.NP_ENTRIES + i * entryWords;
    w[e + L.NPE_KINDS] = entry.kinds;
    w[e + L.NPE_LENGTH] = entry.path.length;
    r.bytes.set(entry.path, (e + L.NPE_PATH) << 2);
  });
  w[p + L.NP_CONFINED] = 1;
}

/**
 * Narrows the calling task's policy to `entries`: every prefix must lie
 * within one the task may already use for each of its kinds (an
 * unrestricted task may choose any). Returns 0, or -EPERM (nothing changes)
 * when an entry would widen what the task may bind or connect to.
 * Precondition: entries from {@link parseNamespacePolicy}.
 */
export function narrowPolicy(ctx: TaskContext, entries: readonly PolicyEntry[]): number {
  const r = ctx.r;
  r.lock();
  for (const entry of entries) {
    for (const kind of [L.POLICY_BIND, L.POLICY_CONNECT]) {
      if ((entry.kinds & kind) !== 0 && !policyAllows(r, ctx.slot, kind, entry.path, 0, entry.path.length)) {
        r.unlock();
        return -EPERM;
      }
    }
  }
  writePolicyLocked(r, ctx.slot, entries);
  r.unlock();
  return 0;
}

/** Task `slot`'s policy as prefix lists, or undefined when it is unrestricted. For the snapshot and error sentences. */
export function describePolicy(r: Region, slot: number): { bind: string[]; connect: string[] } | undefined {
  const p = r.namespacePolicy(slot);
  const w = r.w;
  if (w[p + L.NP_CONFINED] === 0) return undefined;
  const out = { bind: [] as string[], connect: [] as string[] };
  const decoder = new TextDecoder();
  const entryWords = L.policyEntryWords(r.maxPathBytes);
  for (let i = 0; i < L.NAMESPACE_POLICY_ENTRIES; i++) {
    const e = p + L.NP_ENTRIES + i * entryWords;
    const kinds = w[e + L.NPE_KINDS]!;
    if (kinds === 0) continue;
    const at = (e + L.NPE_PATH) << 2;
    const path = decoder.decode(r.bytes.slice(at, at + w[e + L.NPE_LENGTH]!));
    if (kinds & L.POLICY_BIND) out.bind.push(path);
    if (kinds & L.POLICY_CONNECT) out.connect.push(path);
  }
  return out;
}
