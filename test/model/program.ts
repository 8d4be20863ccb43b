/**
 * Programs for the property tests: lists of steps, each one syscall issued
 * by one of the agent tasks, with arguments that name things symbolically
 * ("this task's third-newest handle", "message buffer 2", "another task's
 * pid") so that a program means the same on the kernel and on the model
 * and survives shrinking. Bad arguments are part of the language: stale and
 * foreign handles, literal junk, pointers out of memory, bad lengths.
 */
import fc from 'fast-check';
import { NR } from './abi.js';

/**
 * A handle argument: one this task holds (newest first, of the kind the
 * syscall wants when it has one), one it held once (closed or revoked),
 * one another task holds, or a literal.
 */
export type HandleRef = { own: number } | { stale: number } | { other: number } | { lit: unknown };

/** A pointer argument: one of the task's four message buffers, or a literal. */
export type PtrRef = { buf: number } | { lit: unknown };

/** A pid argument: an agent (by index), init, or a literal. */
export type PidRef = { agent: number } | { init: true } | { lit: unknown };

/** A message to write at the buffer before the syscall. */
export interface MessageSpec {
  type: number;
  /** A handle to transfer (in `flags`), or none. */
  flags: HandleRef | null;
  p0: number;
  p1: number;
  /** Write a `sender` field too: a call this task received (by index, newest first), or made up. */
  sender?: { received: number } | { pid: PidRef; token: number };
}

export type Op =
  | { op: 'create-port'; flags: unknown }
  | { op: 'send' | 'call'; h: HandleRef; at: PtrRef; msg: MessageSpec }
  | { op: 'recv' | 'try-recv' | 'chan-recv' | 'chan-try-recv'; h: HandleRef; at: PtrRef }
  /** Reply from a buffer as it is (a call received there), with the payload changed, or from a fresh message. */
  | { op: 'reply'; at: PtrRef; p0: number; msg: MessageSpec | null }
  | { op: 'bind'; h: HandleRef; path: string; len: unknown }
  | { op: 'unbind' | 'connect'; path: string; len: unknown }
  | { op: 'dup' | 'close' | 'revoke' | 'chan-close' | 'sem-wait' | 'sem-trywait' | 'sem-post' | 'sem-close'; h: HandleRef }
  | { op: 'grant'; h: HandleRef; pid: PidRef }
  | { op: 'info' | 'ring-map'; h: HandleRef; at: PtrRef }
  | { op: 'wait'; h: HandleRef; ns: unknown; events: unknown }
  | { op: 'chan-send'; h: HandleRef; at: PtrRef; msg: MessageSpec }
  | { op: 'chan-create' | 'sem-create' | 'ring-create'; value: unknown }
  | { op: 'unknown'; nr: number };

export interface Step {
  /** Index of the agent that issues it (the next one not blocked, if it is). */
  task: number;
  call: Op;
}

export interface Program {
  agents: number;
  /** Microseconds a waiter spins before it sleeps. */
  spin: number;
  steps: Step[];
}

/** `len` that means "the path's own length in bytes". */
export const PATH_LENGTH = 'path-length';

/** The syscall number of each op. */
export const NR_OF: Record<Exclude<Op['op'], 'unknown'>, number> = {
  'create-port': NR.IPC_CREATE_PORT,
  send: NR.IPC_SEND,
  call: NR.IPC_CALL,
  recv: NR.IPC_RECV,
  'try-recv': NR.IPC_TRY_RECV,
  reply: NR.IPC_REPLY,
  bind: NR.IPC_BIND_PORT,
  unbind: NR.IPC_UNBIND_PORT,
  connect: NR.IPC_CONNECT,
  dup: NR.HANDLE_DUPLICATE,
  close: NR.HANDLE_CLOSE,
  grant: NR.HANDLE_GRANT,
  revoke: NR.HANDLE_REVOKE,
  info: NR.HANDLE_INFO,
  wait: NR.HANDLE_WAIT,
  'ring-create': NR.IPC_RING_CREATE,
  'ring-map': NR.IPC_RING_MAP,
  'chan-create': NR.CHAN_CREATE,
  'chan-send': NR.CHAN_SEND,
  'chan-recv': NR.CHAN_RECV,
  'chan-try-recv': NR.CHAN_TRY_RECV,
  'chan-close': NR.CHAN_CLOSE,
  'sem-create': NR.SEM_CREATE,
  'sem-wait': NR.SEM_WAIT,
  'sem-trywait': NR.SEM_TRYWAIT,
  'sem-post': NR.SEM_POST,
  'sem-close': NR.SEM_CLOSE,
};

// --- arbitraries -------------------------------------------------------------

const junk = fc.constantFrom<unknown>(0, -1, 1, 2, 4097, 2 ** 31, 1.5, 'h', undefined, Number.NaN, 10n);

const handleRef: fc.Arbitrary<HandleRef> = fc.oneof(
  { weight: 14, arbitrary: fc.nat(5).map((own) => ({ own })) },
  { weight: 1, arbitrary: fc.nat(5).map((stale) => ({ stale })) },
  { weight: 2, arbitrary: fc.nat(5).map((other) => ({ other })) },
  { weight: 1, arbitrary: junk.map((lit) => ({ lit })) },
);

const ptrRef: fc.Arbitrary<PtrRef> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(3).map((buf) => ({ buf })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 65536 - 63, 65536, 65536 - 64, 1.5, 'p', undefined).map((lit) => ({ lit })) },
);

const pidRef: fc.Arbitrary<PidRef> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(3).map((agent) => ({ agent })) },
  { weight: 1, arbitrary: fc.constant({ init: true as const }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 99999, 1.5, undefined).map((lit) => ({ lit })) },
);

const messageSpec: fc.Arbitrary<MessageSpec> = fc.record({
  type: fc.constantFrom(1, 2, 42, 0x80, 0xffffffff),
  flags: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: handleRef }),
  p0: fc.nat(0xffff),
  p1: fc.constantFrom(0, 7, 0xffffffff),
});

const forgedMessage: fc.Arbitrary<MessageSpec> = fc.record({
  type: fc.constant(0x81),
  flags: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: handleRef }),
  p0: fc.nat(0xffff),
  p1: fc.constant(0),
  sender: fc.oneof(
    { weight: 3, arbitrary: fc.nat(3).map((received) => ({ received })) },
    { weight: 1, arbitrary: fc.record({ pid: pidRef, token: fc.constantFrom(0, 1, 2, 4097, 0x7fffffff) }) },
  ),
});

const paths = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('/a', '/a/b', '/b') },
  { weight: 1, arbitrary: fc.constantFrom('/a/b/c', '/ab', '/', '/a/', 'a', '//', '/abcdefghij', '') },
);
const pathLen = fc.oneof({ weight: 10, arbitrary: fc.constant<unknown>(PATH_LENGTH) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, 70000, undefined) });

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('create-port' as const), flags: fc.oneof({ weight: 8, arbitrary: fc.constant<unknown>(0) }, { weight: 1, arbitrary: junk }) }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constantFrom('send' as const, 'call' as const), h: handleRef, at: ptrRef, msg: messageSpec }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('recv' as const, 'try-recv' as const), h: handleRef, at: ptrRef }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('reply' as const), at: ptrRef, p0: fc.nat(0xffff), msg: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: forgedMessage }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('bind' as const), h: handleRef, path: paths, len: pathLen }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('unbind' as const, 'connect' as const, 'connect' as const), path: paths, len: pathLen }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('dup' as const, 'close' as const, 'revoke' as const), h: handleRef }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('grant' as const), h: handleRef, pid: pidRef }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('info' as const), h: handleRef, at: ptrRef }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('wait' as const), h: handleRef, ns: fc.constantFrom<unknown>(0, 0, -1, -1, 10 ** 12, -2, 1.5, undefined), events: fc.constantFrom<unknown>(undefined, 0, 1, 2, 3, 4, -1) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('chan-create' as const), value: fc.constantFrom<unknown>(1, 1, 2, 2, 3, 0, -5, 5000, 1.5, 'x') }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('chan-send' as const), h: handleRef, at: ptrRef, msg: messageSpec }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('chan-recv' as const, 'chan-try-recv' as const), h: handleRef, at: ptrRef }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('chan-close' as const), h: handleRef }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('sem-create' as const), value: fc.constantFrom<unknown>(0, 0, 1, 1, 2, -1, 2 ** 31 - 1, 2 ** 31, 1.5) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constantFrom('sem-wait' as const, 'sem-trywait' as const, 'sem-post' as const, 'sem-post' as const), h: handleRef }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('sem-close' as const), h: handleRef }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ring-create' as const), value: fc.constantFrom<unknown>(1, 4096, 4097, 0, -1, 1.5, 4 * 2 ** 20 + 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ring-map' as const), h: handleRef, at: ptrRef }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unknown' as const), nr: fc.constantFrom(0, 7, 199, 209, 212, 225, 235, 999, -1) }) },
);

/**
 * The opening of a program: a few blocks in which one task makes an object
 * and names it or hands it to another task (or connects to a name), so
 * that the rest of the program has shared objects to work on.
 */
const setupBlock: fc.Arbitrary<Step[]> = fc
  .record({
    task: fc.nat(3),
    to: fc.nat(3),
    kind: fc.constantFrom('bound-port', 'bound-port', 'granted-port', 'channel', 'semaphore', 'connect'),
    path: fc.constantFrom('/a', '/b', '/a/b'),
    value: fc.constantFrom(0, 1, 2),
  })
  .map(({ task, to, kind, path, value }) => {
    const newest: HandleRef = { own: 0 };
    const handOver = (call: Op): Step[] => [{ task, call }, { task, call: { op: 'grant', h: newest, pid: { agent: to } } }];
    switch (kind) {
      case 'bound-port':
        return [
          { task, call: { op: 'create-port', flags: 0 } },
          { task, call: { op: 'bind', h: newest, path, len: PATH_LENGTH } },
        ];
      case 'granted-port':
        return handOver({ op: 'create-port', flags: 0 });
      case 'channel':
        return handOver({ op: 'chan-create', value: value + 1 });
      case 'semaphore':
        return handOver({ op: 'sem-create', value: value === 2 ? 0 : value });
      default:
        return [{ task, call: { op: 'connect', path: path === '/a/b' ? '/a/b/c' : path, len: PATH_LENGTH } }];
    }
  });

/** Programs of `minSteps`..`maxSteps` steps over 3 or 4 agents: an opening of 2-6 blocks, then anything. */
export function programArbitrary(minSteps = 20, maxSteps = 60): fc.Arbitrary<Program> {
  const opening = fc.array(setupBlock, { minLength: 2, maxLength: 6, size: 'max' }).map((blocks) => blocks.flat());
  const rest = fc.array(fc.record({ task: fc.nat(3), call: op }), { minLength: Math.max(0, minSteps - 12), maxLength: Math.max(0, maxSteps - 12), size: 'max' });
  return fc.record({
    agents: fc.constantFrom(3, 4),
    spin: fc.constantFrom(0, 0, 20),
    steps: fc.tuple(opening, rest).map(([a, b]) => [...a, ...b]),
  });
}
