/**
 * Errno values (Strat9's; docs/README.md, "Errno values"). Syscalls return `-errno` on failure.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const EPIPE = 32;
export const ENOSYS = 38;
/** kipc's own: the kernel was closed (`Kernel.close()`); no operation of its init task works any more. */
export const ESHUTDOWN = 108;
export const ETIMEDOUT = 110;
/** A per-task quota is exhausted (docs/quotas.md); Linux's "disk quota exceeded". */
export const EDQUOT = 122;

/**
 * Internal result of a kernel op that cannot proceed yet: the caller parks on
 * the futex word the op left in its {@link WaitTarget} and tries again. Never
 * returned from a syscall.
 */
export const WOULD_BLOCK = -100000;

export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [ESRCH]: 'ESRCH',
  [EINTR]: 'EINTR',
  [EBADF]: 'EBADF',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [EPIPE]: 'EPIPE',
  [ENOSYS]: 'ENOSYS',
  [ESHUTDOWN]: 'ESHUTDOWN',
  [ETIMEDOUT]: 'ETIMEDOUT',
  [EDQUOT]: 'EDQUOT',
};
