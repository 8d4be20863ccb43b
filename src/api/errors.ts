/**
 * Errors of the typed API: one class per errno, each carrying `errno`, the
 * errno's name as `code`, and a sentence saying what went wrong.
 */
import * as E from '../core/errno.js';
import { takeQuotaRefusal, type QuotaRefusal } from '../core/quota.js';

export class KipcError extends Error {
  /** The errno the ABI returned (positive). */
  readonly errno: number;
  /** The errno's name, e.g. 'EPIPE'. */
  readonly code: string;
  constructor(errno: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.errno = errno;
    this.code = E.ERRNO_NAMES[errno] ?? `E${errno}`;
    this.name = new.target.name;
  }
}

export class PermissionError extends KipcError {}
export class NotFoundError extends KipcError {}
export class NoSuchTaskError extends KipcError {}
export class InterruptedError extends KipcError {}
export class BadHandleError extends KipcError {}
export class WouldBlockError extends KipcError {}
export class OutOfMemoryError extends KipcError {}
export class FaultError extends KipcError {}
export class BusyError extends KipcError {}
export class AlreadyExistsError extends KipcError {}
/**
 * EINVAL: an argument is wrong. The typed API throws it (or rejects with
 * it) before taking any lock, naming the operation and the argument, e.g.
 * "Ring.write: bytes must be a Uint8Array, not a string" (src/api/arguments.ts).
 */
export class InvalidArgumentError extends KipcError {}
export class NoSpaceError extends KipcError {}
export class BrokenPipeError extends KipcError {}
export class NotSupportedError extends KipcError {}
export class TimeoutError extends KipcError {}
/** The kernel was closed: `Kernel.close()` settled every pending operation of init with it, and every later use throws it. */
export class KernelClosedError extends KipcError {}
/**
 * EDQUOT: a per-task quota is spent (docs/quotas.md). `quota` names it (a
 * quota of SpawnOptions.quotas; 'acceptGrants' when a grant's receiver
 * refuses grants; 'grantReserve' when a grant would take its last free
 * handle slots), `pid` whose quota it is, `limit` the limit hit.
 */
export class QuotaExceededError extends KipcError {
  readonly quota: QuotaRefusal['quota'] | undefined;
  readonly pid: number | undefined;
  readonly limit: number | undefined;
  constructor(errno: number, message: string, options?: { cause?: unknown }, refusal?: QuotaRefusal) {
    super(errno, message, options);
    this.quota = refusal?.quota;
    this.pid = refusal?.pid;
    this.limit = refusal?.limit;
  }
}

/**
 * A spawned task died of an uncaught error, and nobody looked at its
 * `exited` within a second to hear of it: emitted as the kernel's 'error' event (a process
 * warning without a listener). `pid`, `url` and `code` say which task and
 * how it ended; `taskStack` is the task's own error's stack.
 */
export class TaskCrashedError extends Error {
  override readonly name = 'TaskCrashedError';
  constructor(
    readonly pid: number,
    readonly url: string,
    readonly code: number,
    readonly taskStack: string,
  ) {
    super(`kipc: task ${pid} (${url}) died of an uncaught error, exit code ${code}, and nobody awaited its exited: ${taskStack.split('\n')[0]}`);
  }
}

/** The sentence for a quota refusal. */
function quotaSentence(refusal: QuotaRefusal | undefined): string {
  if (refusal === undefined) return 'a per-task quota is spent';
  if (refusal.quota === 'acceptGrants') return `task ${refusal.pid} refuses handle grants (acceptGrants: false)`;
  if (refusal.quota === 'grantReserve') return `a grant may not take the last ${refusal.limit} free handle slots of task ${refusal.pid} (the grant reserve)`;
  return `quota '${refusal.quota}' of task ${refusal.pid} is spent (limit ${refusal.limit})`;
}

const CLASSES: Record<number, [new (errno: number, message: string, options?: { cause?: unknown }) => KipcError, string]> = {
  [E.EPERM]: [PermissionError, 'the handle lacks a right this needs, or the caller may not do this'],
  [E.ENOENT]: [NotFoundError, 'nothing is bound at that name'],
  [E.ESRCH]: [NoSuchTaskError, 'no live task has that pid'],
  [E.EINTR]: [InterruptedError, 'the operation was aborted'],
  [E.EBADF]: [BadHandleError, 'the handle is closed, revoked or of the wrong type'],
  [E.EAGAIN]: [WouldBlockError, 'the operation would block'],
  [E.ENOMEM]: [OutOfMemoryError, 'the kernel has no room left for this (see the kernel limits)'],
  [E.EFAULT]: [FaultError, 'a buffer lies outside the task memory'],
  [E.EBUSY]: [BusyError, 'the resource is busy'],
  [E.EEXIST]: [AlreadyExistsError, 'that name is already bound'],
  [E.EINVAL]: [InvalidArgumentError, 'an argument is invalid'],
  [E.ENOSPC]: [NoSpaceError, 'a table is full (handles or names)'],
  [E.EPIPE]: [BrokenPipeError, 'the other end is gone (object destroyed or task dead)'],
  [E.ENOSYS]: [NotSupportedError, 'no such syscall'],
  [E.ESHUTDOWN]: [KernelClosedError, 'the kernel is closed'],
  [E.ETIMEDOUT]: [TimeoutError, 'the deadline passed'],
  [E.EDQUOT]: [QuotaExceededError, 'a per-task quota is spent'],
};

/** The error for `errno` raised by `operation` (e.g. 'Port.send'). */
export function errorFor(errno: number, operation: string, cause?: unknown): KipcError {
  if (errno === E.EAGAIN) {
    // The deliveries quota is EAGAIN (page IPC's in-flight quotas are): say so when it was the cause.
    const refusal = takeQuotaRefusal();
    if (refusal?.errno === E.EAGAIN) return new WouldBlockError(errno, `${operation}: ${quotaSentence(refusal)}; retry once receivers decide (EAGAIN)`);
  }
  if (errno === E.EDQUOT) {
    const refusal = takeQuotaRefusal();
    return new QuotaExceededError(errno, `${operation}: ${quotaSentence(refusal)} (EDQUOT)`, cause === undefined ? undefined : { cause }, refusal);
  }
  const entry = CLASSES[errno];
  if (!entry) return new KipcError(errno, `${operation}: failed with errno ${errno}`);
  const [Class, sentence] = entry;
  return new Class(errno, `${operation}: ${sentence} (${E.ERRNO_NAMES[errno]})`, cause === undefined ? undefined : { cause });
}

/** Returns `result` when >= 0, else throws the error for -result. */
export function check(result: number, operation: string, signal?: AbortSignal): number {
  if (result >= 0) return result;
  throw errorFor(-result, operation, result === -E.EINTR ? signal?.reason : undefined);
}
