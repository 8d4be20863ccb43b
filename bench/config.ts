/**
 * Run-wide settings the runner fills in from the command line before any
 * benchmark opens its sides.
 */
import type { KernelOptions } from '../src/index.js';

/** Options every kipc kernel of the run is created with (e.g. `spin` from --spin). */
export const kernelOptions: KernelOptions = {};
