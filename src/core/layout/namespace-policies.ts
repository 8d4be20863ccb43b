/**
 * Namespace policies (src/objects/namespace/policy.ts; docs/namespace.md):
 * one record of namespacePolicyWords(H_MAX_PATH_BYTES) words per task slot
 * (from H_OFF_NAMESPACE_POLICIES): which prefixes the task may bind and
 * connect to.
 *
 * NP_CONFINED is 0 for an unrestricted task (every entry free), 1 for a
 * confined one, whose every bind and connect must lie within an entry of
 * the right kind. An entry is its kinds (0 = free), the prefix's length in
 * bytes, then the prefix.
 *
 * A record is rewritten whole under the kernel lock, logged as one saved
 * run (at spawn, when the task narrows its policy, at reap). Only the task
 * and its reaper change it, so the task reads its own without the lock.
 */

export const NP_CONFINED = 0;
export const NP_ENTRIES = 1;
export const NAMESPACE_POLICY_ENTRIES = 8;
export const NPE_KINDS = 0;
export const NPE_LENGTH = 1;
export const NPE_PATH = 2;
/** Entry kinds (NPE_KINDS bits). */
export const POLICY_BIND = 1;
export const POLICY_CONNECT = 2;

/** Words of one policy entry, for prefixes of up to `maxPathBytes` bytes. */
export function policyEntryWords(maxPathBytes: number): number {
  return NPE_PATH + Math.ceil(maxPathBytes / 4);
}
/** Words of one task's policy record. */
export function namespacePolicyWords(maxPathBytes: number): number {
  return NP_ENTRIES + NAMESPACE_POLICY_ENTRIES * policyEntryWords(maxPathBytes);
}
