/**
 * What a spawn passes through to the task's thread or process, as a Node
 * user expects of `new Worker()` and `child_process`: Node's options
 * (`execArgv`), the environment (`env`) and V8's heap limits
 * (`resourceLimits`). Checked in the spawning thread, before a task slot
 * is taken; each host (worker-host.ts, process-host.ts) applies them.
 */

/** V8 limits of a task, as `worker_threads.ResourceLimits`. */
export interface TaskResourceLimits {
  /** The main heap's maximum, in MiB (a process: `--max-old-space-size`). */
  maxOldGenerationSizeMb?: number;
  /** The young generation's maximum, in MiB (a process: `--max-semi-space-size` of a third of it). */
  maxYoungGenerationSizeMb?: number;
  /** Pre-allocated memory for generated code, in MiB (worker threads only). */
  codeRangeSizeMb?: number;
  /** The thread's stack, in MiB (a process: `--stack-size`, which only tells V8 what to assume). */
  stackSizeMb?: number;
}

/** The pass-through options of a spawn, checked and copied. */
export interface HostOptions {
  execArgv?: string[];
  env?: Record<string, string>;
  resourceLimits?: TaskResourceLimits;
}

const LIMIT_KEYS = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;
/** A process's main thread runs on the OS stack (8 MiB by default): V8 is told less, so that it throws RangeError before the end. */
const MAX_PROCESS_STACK_MB = 7;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * Checks and copies the pass-through options of `options` for a task that
 * is a process (`isProcess`) or a worker thread. Throws TypeError naming
 * `operation` for an `execArgv` that is not an array of strings, an `env`
 * that is not an object of strings, or `resourceLimits` with an unknown
 * key, a limit that is not a positive number, or `codeRangeSizeMb` for a
 * process; RangeError for a limit above 2^20 MiB.
 */
export function hostOptionsOf(options: { execArgv?: unknown; env?: unknown; resourceLimits?: unknown }, isProcess: boolean, operation: string): HostOptions {
  const out: HostOptions = {};
  const { execArgv, env, resourceLimits } = options;
  if (execArgv !== undefined) {
    if (!Array.isArray(execArgv) || execArgv.some((arg) => typeof arg !== 'string')) throw new TypeError(`${operation}: execArgv must be an array of strings`);
    out.execArgv = [...(execArgv as string[])];
  }
  if (env !== undefined) {
    if (!isPlainObject(env) || Object.values(env).some((value) => typeof value !== 'string')) throw new TypeError(`${operation}: env must be an object whose values are strings`);
    out.env = { ...(env as Record<string, string>) };
  }
  if (resourceLimits !== undefined) {
    if (!isPlainObject(resourceLimits)) throw new TypeError(`${operation}: resourceLimits must be an object`);
    const limits: TaskResourceLimits = {};
    for (const [key, value] of Object.entries(resourceLimits)) {
      if (!(LIMIT_KEYS as readonly string[]).includes(key)) throw new TypeError(`${operation}: resourceLimits has no '${key}' (it takes ${LIMIT_KEYS.join(', ')})`);
      if (typeof value !== 'number' || !(value > 0)) throw new TypeError(`${operation}: resourceLimits.${key} must be a positive number of MiB, got ${String(value)}`);
      if (value > 2 ** 20) throw new RangeError(`${operation}: resourceLimits.${key} is at most 2^20 MiB, got ${value}`);
      if (key === 'codeRangeSizeMb' && isProcess) throw new TypeError(`${operation}: resourceLimits.codeRangeSizeMb applies to worker threads only (Node has no flag for it)`);
      if (key === 'stackSizeMb' && isProcess && value > MAX_PROCESS_STACK_MB) {
        throw new RangeError(`${operation}: resourceLimits.stackSizeMb of a process is at most ${MAX_PROCESS_STACK_MB} (its main thread has the OS stack, 8 MiB by default, and V8 must stop before its end)`);
      }
      limits[key as (typeof LIMIT_KEYS)[number]] = value;
    }
    out.resourceLimits = limits;
  }
  return out;
}

/** Node's command-line flags for `limits`, for a task that is a process. */
export function processLimitFlags(limits: TaskResourceLimits | undefined): string[] {
  if (limits === undefined) return [];
  const flags: string[] = [];
  if (limits.maxOldGenerationSizeMb !== undefined) flags.push(`--max-old-space-size=${Math.ceil(limits.maxOldGenerationSizeMb)}`);
  if (limits.maxYoungGenerationSizeMb !== undefined) flags.push(`--max-semi-space-size=${Math.max(1, Math.ceil(limits.maxYoungGenerationSizeMb / 3))}`);
  if (limits.stackSizeMb !== undefined) flags.push(`--stack-size=${Math.ceil(limits.stackSizeMb * 1024)}`);
  return flags;
}
