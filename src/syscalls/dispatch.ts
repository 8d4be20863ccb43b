/**
 * Dispatch tables built from the syscall table (table.ts): each personality
 * file maps the names of its syscalls to their implementations, and
 * {@link buildDispatch} lays them out in an array indexed by number, so a
 * syscall is one bounds check, one array load and one call. A name of the
 * personality without an implementation, or an implementation of no such
 * syscall, is a type error there (`satisfies`) and throws here at startup.
 */
import { ENOSYS } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import type { MessageMemory } from '../core/copy.js';
import { SYSCALLS, type Personality, type SyscallName } from './table.js';
import type * as numbers from './numbers.js';

/** One syscall: decodes its arguments, calls one op, returns its result (>= 0, or -errno). */
export type SyscallFn = (ctx: TaskContext, mem: MessageMemory, a0: unknown, a1: unknown, a2: unknown, a3?: unknown, a4?: unknown) => number;
/** The same with a blocking wait on the event loop. */
export type SyscallAsyncFn = (ctx: TaskContext, mem: MessageMemory, a0: unknown, a1: unknown, a2: unknown, a3?: unknown, a4?: unknown) => Promise<number>;

/** A personality's entry points: syscall `nr` with its arguments, looked up in the arrays laid out once. */
export interface Dispatch {
  /** Dispatches one syscall, blocking the thread where the call blocks. */
  readonly syscall: (ctx: TaskContext, mem: MessageMemory, nr: number, a0: unknown, a1: unknown, a2: unknown, a3?: unknown, a4?: unknown) => number;
  /** The same with every blocking syscall in its async form. */
  readonly syscallAsync: (ctx: TaskContext, mem: MessageMemory, nr: number, a0: unknown, a1: unknown, a2: unknown, a3?: unknown, a4?: unknown) => Promise<number>;
}

const noSyscall: SyscallFn = () => -ENOSYS;
const noSyscallAsync: SyscallAsyncFn = () => Promise.resolve(-ENOSYS);

/** The async form of a syscall that never blocks: its result, resolved. */
function resolved(sync: SyscallFn): SyscallAsyncFn {
  return (ctx, mem, a0, a1, a2, a3, a4) => Promise.resolve(sync(ctx, mem, a0, a1, a2, a3, a4));
}

/** The names of `personality`'s syscalls in the table. */
export function syscallNames(personality: Personality): SyscallName[] {
  return (Object.keys(SYSCALLS) as SyscallName[]).filter((name) => SYSCALLS[name].personality === personality);
}

/**
 * Lays out the implementations of `personality`'s syscalls by number, in
 * arrays whose index 0 (no syscall has number 0) is ENOSYS: `sync` has one
 * for every syscall of the personality and no other; `async` the async
 * forms of those that block (the others resolve their sync result).
 */
export function buildDispatch(
  personality: Personality,
  sync: Readonly<Record<string, SyscallFn>>,
  async: Readonly<Record<string, SyscallAsyncFn>>,
): Dispatch {
  const names = syscallNames(personality);
  for (const name of names) {
    if (!Object.hasOwn(sync, name)) throw new Error(`syscall ${name} (${personality}) has no implementation`);
  }
  for (const name of [...Object.keys(sync), ...Object.keys(async)]) {
    if (!(names as string[]).includes(name)) throw new Error(`${name} is not a ${personality} syscall of src/syscalls/table.ts`);
  }
  const size = Math.max(...names.map((name) => SYSCALLS[name].nr)) + 1;
  const syncTable = new Array<SyscallFn>(size).fill(noSyscall);
  const asyncTable = new Array<SyscallAsyncFn>(size).fill(noSyscallAsync);
  for (const name of names) {
    const nr: number = SYSCALLS[name].nr;
    if (nr === 0 || syncTable[nr] !== noSyscall) throw new Error(`syscall ${name} (${personality}): number ${nr} is 0 or taken`);
    syncTable[nr] = sync[name]!;
    asyncTable[nr] = async[name] ?? resolved(sync[name]!);
  }
  return {
    syscall: (ctx, mem, nr, a0, a1, a2, a3, a4) => syncTable[slot(size, nr)]!(ctx, mem, a0, a1, a2, a3, a4),
    syscallAsync: (ctx, mem, nr, a0, a1, a2, a3, a4) => asyncTable[slot(size, nr)]!(ctx, mem, a0, a1, a2, a3, a4),
  };
}

/**
 * Where syscall `nr` sits in a table of `size` entries: `nr` itself, or 0
 * (ENOSYS) for any other value than a number of the table. Callers may pass
 * anything: a bigint, a string or an object is ENOSYS, never converted.
 */
function slot(size: number, nr: number): number {
  return typeof nr === 'number' && nr >>> 0 === nr && nr < size ? nr : 0;
}

/** numbers.ts exports `SYS_<name>` for every syscall of the table (a type error otherwise). */
export type MissingNumbers = Exclude<`SYS_${SyscallName}`, keyof typeof numbers>;
const numbersComplete: [MissingNumbers] extends [never] ? true : MissingNumbers = true;
void numbersComplete;
