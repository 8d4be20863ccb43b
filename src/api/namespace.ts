/**
 * The typed API's side of namespace policies: errors that say which policy
 * refused a bind or connect.
 */
import { EPERM } from '../core/errno.js';
import { POLICY_BIND } from '../core/layout.js';
import type { TaskContext } from '../core/context.js';
import { describePolicy, policyAllows, strippedPathLength } from '../objects/namespace/policy.js';
import { check, PermissionError } from './errors.js';

/**
 * Returns `result` when >= 0. When it is EPERM because the task's namespace
 * policy does not allow `kind` (POLICY_BIND or POLICY_CONNECT) at `path`
 * (UTF-8 `bytes`), throws a PermissionError naming the allowed prefixes;
 * any other error as {@link check} does.
 */
export function checkNamespaceResult(ctx: TaskContext, result: number, kind: number, path: string, bytes: Uint8Array, operation: string): number {
  if (result === -EPERM) {
    const r = ctx.r;
    const length = strippedPathLength(bytes, 0, bytes.length, r.maxPathBytes);
    if (length > 0 && !policyAllows(r, ctx.slot, kind, bytes, 0, length)) {
      const policy = describePolicy(r, ctx.slot);
      const verb = kind === POLICY_BIND ? 'bind' : 'connect';
      const allowed = (kind === POLICY_BIND ? policy?.bind : policy?.connect) ?? [];
      throw new PermissionError(
        EPERM,
        `${operation}: this task's namespace policy does not let it ${verb} '${path}' (allowed ${verb} prefixes: ${allowed.length === 0 ? 'none' : allowed.join(', ')}) (EPERM)`,
      );
    }
  }
  return check(result, operation);
}
