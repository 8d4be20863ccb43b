/**
 * Errors that cross: what a handler threw travels back to its caller as
 * plain data ({@link ThrownRecord}, which every codec can carry) and is
 * thrown there as a {@link RemoteError} with the remote name, message,
 * stack, code and cause.
 */

/** A thrown value as plain data. */
export interface ThrownRecord {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
  errno?: number;
  /** The cause, as a record when it was an Error, else as it was (when the codec can carry it). */
  cause?: unknown;
  /** True when what was thrown was not an Error (then `message` is its text and `value` the value). */
  notAnError?: boolean;
  value?: unknown;
}

/** Causes deeper than this are cut (a cycle of causes ends here too). */
const MAX_CAUSE_DEPTH = 8;

function isError(value: unknown): value is Error & { code?: unknown; errno?: unknown; cause?: unknown } {
  return value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string');
}

/**
 * `thrown` as a record. With `plain`, causes and non-Error values are kept
 * only as text: for a codec that could not carry them.
 */
export function thrownRecordOf(thrown: unknown, plain = false, depth = 0): ThrownRecord {
  if (!isError(thrown)) {
    const record: ThrownRecord = { name: 'Error', message: safeString(thrown), notAnError: true };
    if (!plain) record.value = thrown;
    return record;
  }
  const record: ThrownRecord = { name: String(thrown.name), message: String(thrown.message) };
  if (typeof thrown.stack === 'string') record.stack = thrown.stack;
  if (typeof thrown.code === 'string' || typeof thrown.code === 'number') record.code = thrown.code;
  if (typeof thrown.errno === 'number') record.errno = thrown.errno;
  if (thrown.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    record.cause = isError(thrown.cause) ? thrownRecordOf(thrown.cause, plain, depth + 1) : plain ? safeString(thrown.cause) : thrown.cause;
  }
  return record;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A handler in another task threw: `remoteName`, `message`, `remoteStack`,
 * `code` and `errno` are the remote error's; `cause` is its cause (a
 * RemoteError when that was an Error). `value` is what was thrown when it
 * was not an Error.
 */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  readonly remoteName: string;
  readonly remoteStack: string | undefined;
  readonly code: string | number | undefined;
  readonly errno: number | undefined;
  readonly value: unknown;

  constructor(record: ThrownRecord) {
    const cause = record.cause;
    super(record.message, cause === undefined ? undefined : { cause: isRecord(cause) ? new RemoteError(cause) : cause });
    this.remoteName = record.name;
    this.remoteStack = record.stack;
    this.code = record.code;
    this.errno = record.errno;
    this.value = record.value;
    if (record.stack !== undefined) this.stack = `${this.stack ?? ''}\n    --- thrown remotely ---\n${record.stack}`;
  }
}

function isRecord(value: unknown): value is ThrownRecord {
  return typeof value === 'object' && value !== null && typeof (value as ThrownRecord).name === 'string' && typeof (value as ThrownRecord).message === 'string';
}

/** The RemoteError for a decoded record (anything else becomes a RemoteError saying so). */
export function remoteErrorOf(decoded: unknown): RemoteError {
  return new RemoteError(isRecord(decoded) ? decoded : { name: 'Error', message: safeString(decoded), notAnError: true, value: decoded });
}
