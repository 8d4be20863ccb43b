/**
 * Argument decoding shared by the syscall tables. Syscalls never throw on a
 * bad argument: anything that is not an integer (NaN, 1.5, a string, a
 * bigint outside the safe range) decodes to NaN, which every kernel op
 * rejects with the errno of that argument (EBADF for a handle, EFAULT for a
 * pointer, EINVAL otherwise).
 */

/** An integer argument, or NaN. Accepts numbers and bigints. */
export function int(x: unknown): number {
  if (typeof x === 'number') return Number.isInteger(x) ? x : NaN;
  if (typeof x === 'bigint') {
    return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : NaN;
  }
  return NaN;
}

/**
 * A timeout in nanoseconds as HANDLE_WAIT takes it (0 poll, -1 forever,
 * else > 0) turned into a performance.now() deadline; NaN when invalid.
 */
export function deadlineFromNanoseconds(ns: number): number {
  if (ns === -1) return Infinity;
  if (!(ns >= 0)) return NaN;
  return performance.now() + ns / 1e6;
}
