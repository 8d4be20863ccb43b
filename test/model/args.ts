/**
 * How the ABI reads its arguments (README, "The syscall ABI"): an integer
 * (a number, or a bigint in the safe range) is taken as it is; anything else
 * (NaN, 1.5, a string, an omitted argument) is "not an integer", which each
 * syscall reports with the errno of that argument: EBADF for a handle,
 * EFAULT for a pointer, EINVAL otherwise.
 */

/** The integer an argument stands for, or NaN. */
export function intArg(x: unknown): number {
  if (typeof x === 'number') return Number.isInteger(x) ? x : NaN;
  if (typeof x === 'bigint') return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : NaN;
  return NaN;
}

/** Whether `length` bytes at `ptr` lie wholly inside a memory of `size` bytes (EFAULT otherwise). */
export function inMemory(size: number, ptr: number, length: number): boolean {
  return Number.isInteger(ptr) && ptr >= 0 && ptr + length <= size;
}
