/**
 * The kernel's consistency check (Kernel.check(), being written alongside
 * the fuzzer), called only when this build has it: until it lands this
 * returns no problems. Remove the guard once it has landed.
 */
import type { Kernel } from '../../src/index.js';

/** Kernel.check()'s problems, or [] when this kernel has no check yet. */
export function kernelCheck(kernel: Kernel): string[] {
  const consistency = kernel as unknown as { check?: () => string[] };
  return typeof consistency.check === 'function' ? consistency.check() : [];
}
