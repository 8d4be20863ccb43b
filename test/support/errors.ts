/**
 * Checks of the typed API's errors, for assert.throws / assert.rejects.
 */
import assert from 'node:assert/strict';
import { BadHandleError, BrokenPipeError, KipcError, TimeoutError } from '../../src/index.js';

type ErrorClass = abstract new (...args: never[]) => KipcError;

/**
 * A check for assert.throws / assert.rejects: the error is an instance of
 * `Class` (a KipcError and an Error) named after it, with `errno`, `code`,
 * a message and, when given, `cause`.
 */
export function kipcError(Class: ErrorClass, errno: number, code: string, cause?: unknown): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof Class, `expected ${Class.name}, got ${String(e)}`);
    assert.ok(e instanceof KipcError && e instanceof Error);
    assert.equal(e.errno, errno);
    assert.equal(e.code, code);
    assert.equal(e.name, Class.name);
    assert.ok(e.message.length > 0);
    if (cause !== undefined) assert.equal(e.cause, cause);
    return true;
  };
}
export const timedOut = kipcError(TimeoutError, 110, 'ETIMEDOUT');
export const brokenPipe = kipcError(BrokenPipeError, 32, 'EPIPE');
export const badHandle = kipcError(BadHandleError, 9, 'EBADF');
