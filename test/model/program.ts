/**
 * Programs for the property tests: lists of steps, each one syscall issued
 * by one of the agent tasks, with arguments that name things symbolically
 * ("this task's third-newest handle", "message buffer 2", "another task's
 * pid") so that a program means the same on the kernel and on the model
 * and survives shrinking. Bad arguments are part of the language: stale and
 * foreign handles, literal junk, pointers out of memory, bad lengths.
 */
import fc from 'fast-check';
import { NR, PAGE_NR, ROU_NR } from './abi.js';

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

/** A buffer of user memory for page data and mailbox messages: at an offset into the data area, or a literal. */
export type DataRef = { data: number } | { lit: unknown };

/**
 * A page-space address: the k-th page this task maps (in address order, as
 * the model has it, which matched the kernel so far) plus a byte offset,
 * or a literal.
 */
export type AddrRef = { mapped: number; offset: number } | { lit: unknown };

/** A page delivery id: one this task took (newest first, decided or not), or a literal. */
export type DeliveryRef = { taken: number } | { lit: unknown };

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
  | { op: 'unknown'; nr: number }
  // Page IPC (every personality). Addresses and counts are literals: they mean the same in both worlds.
  | { op: 'page-alloc'; n: unknown }
  | { op: 'page-free'; addr: AddrRef; n: unknown }
  | { op: 'page-send'; pid: PidRef; type: unknown; addr: AddrRef; n: unknown; flags: unknown }
  | { op: 'page-register' | 'page-unregister'; type: unknown }
  /** `timeout` undefined: the argument is omitted. */
  | { op: 'page-take'; at: PtrRef; timeout: unknown }
  | { op: 'page-accept' | 'page-abandon'; id: DeliveryRef }
  /** Writes put a pattern made from `fill` at the buffer first. */
  | { op: 'page-read' | 'page-write'; addr: AddrRef; at: DataRef; len: unknown; fill: number }
  // rou2exOS mailboxes (a Strat9 task gets ENOSYS).
  | { op: 'send-data'; pid: PidRef; at: DataRef; len: unknown; fill: number }
  | { op: 'receive-data'; mode: unknown; at: DataRef }
  /** The test terminates agent `agent` (kernel.spawn's handle), if it is alive, not blocked, and two others live on. */
  | { op: 'kill'; agent: number };

export interface Step {
  /** Index of the agent that issues it (the next one not blocked, if it is). */
  task: number;
  call: Op;
}

export interface Program {
  agents: number;
  /** How many of the agents (the last ones) are rou2exOS tasks (none when absent). */
  rou2exos?: number;
  /** Microseconds a waiter spins before it sleeps. */
  spin: number;
  steps: Step[];
}

/** `len` that means "the path's own length in bytes". */
export const PATH_LENGTH = 'path-length';

/** The syscall number of each op. */
export const NR_OF: Record<Exclude<Op['op'], 'unknown' | 'kill'>, number> = {
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
  'page-alloc': PAGE_NR.ALLOC,
  'page-free': PAGE_NR.FREE,
  'page-send': PAGE_NR.SEND,
  'page-register': PAGE_NR.REGISTER_HANDLER,
  'page-unregister': PAGE_NR.UNREGISTER_HANDLER,
  'page-take': PAGE_NR.TAKE,
  'page-accept': PAGE_NR.ACCEPT,
  'page-abandon': PAGE_NR.ABANDON,
  'page-read': PAGE_NR.READ,
  'page-write': PAGE_NR.WRITE,
  'send-data': ROU_NR.SEND_DATA,
  'receive-data': ROU_NR.RECEIVE_DATA,
};

/** Which tasks an op is for: Strat9 numbers, rou2exOS numbers, or page IPC and unknown numbers (every personality). */
export function personalityOf(op: Op['op']): 'strat9' | 'rou2exos' | 'any' {
  if (op === 'send-data' || op === 'receive-data') return 'rou2exos';
  if (op.startsWith('page-') || op === 'unknown' || op === 'kill') return 'any';
  return 'strat9';
}

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
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unknown' as const), nr: fc.constantFrom(0, 7, 199, 209, 212, 225, 235, 999, -1, 0x35, 0x36, 201, 299, 310) }) },
);

// --- page IPC and mailboxes ------------------------------------------------------

/** The page space of the programs' kernels (PROGRAM_LIMITS.pageSpace): low pages are the ones mapped. */
const PAGE_SPACE = 16;
const pageAddr: fc.Arbitrary<AddrRef> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(5).map((mapped) => ({ mapped, offset: 0 })) },
  { weight: 2, arbitrary: fc.nat(PAGE_SPACE - 1).map((p) => ({ lit: p * 4096 })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(100, -4096, PAGE_SPACE * 4096, (PAGE_SPACE - 1) * 4096, 1.5, 'a', undefined, 2 ** 31).map((lit) => ({ lit })) },
);
const byteAddr: fc.Arbitrary<AddrRef> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ mapped: fc.nat(5), offset: fc.constantFrom(0, 0, 0, 100, 4000) }) },
  { weight: 2, arbitrary: fc.nat(PAGE_SPACE - 1).map((p) => ({ lit: p * 4096 })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, PAGE_SPACE * 4096, PAGE_SPACE * 4096 - 10, 1.5, 'a', undefined).map((lit) => ({ lit })) },
);
const pageCount: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<unknown>(1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 6) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, PAGE_SPACE, PAGE_SPACE + 1, 257, 1.5, undefined) },
);
const pageType: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<unknown>(1, 1, 2, 3) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 0x7fffffff, 0x7ffffffe, 1.5, undefined) },
);
const sendFlags: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(31) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(32, 64, -1, 1.5, undefined) },
);
const dataRef: fc.Arbitrary<DataRef> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(0, 0, 512, 4000).map((data) => ({ data })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 65536, 65536 - 10, 65537, 1.5, 'p', undefined).map((lit) => ({ lit })) },
);
const deliveryRef: fc.Arbitrary<DeliveryRef> = fc.oneof(
  { weight: 8, arbitrary: fc.nat(3).map((taken) => ({ taken })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 1, -1, 0xffff, 0x10000, 2 ** 31, 1.5, undefined).map((lit) => ({ lit })) },
);

const pageOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('page-alloc' as const), n: pageCount }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('page-free' as const), addr: pageAddr, n: pageCount }) },
  { weight: 12, arbitrary: fc.record({ op: fc.constant('page-send' as const), pid: pidRef, type: pageType, addr: pageAddr, n: pageCount, flags: sendFlags }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('page-register' as const, 'page-register' as const, 'page-unregister' as const), type: pageType }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('page-take' as const), at: ptrRef, timeout: fc.constantFrom<unknown>(undefined, 0, 0, -1, -1, -1, 1, 10 ** 12, -2, 1.5) }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constantFrom('page-accept' as const, 'page-abandon' as const), id: deliveryRef }) },
  {
    weight: 7,
    arbitrary: fc.record({
      op: fc.constantFrom('page-read' as const, 'page-read' as const, 'page-write' as const),
      addr: byteAddr,
      at: dataRef,
      len: fc.oneof({ weight: 10, arbitrary: fc.constantFrom<unknown>(0, 1, 16, 64, 4096, 4097, 5000, 8192) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 1.5, undefined, 70000) }),
      fill: fc.nat(255),
    }),
  },
);

const mailOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('send-data' as const),
      pid: pidRef,
      at: dataRef,
      len: fc.oneof({ weight: 8, arbitrary: fc.constantFrom<unknown>(1, 16, 100, 512) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, 0, 513, -1, 1.5) }),
      fill: fc.nat(255),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('receive-data' as const), mode: fc.constantFrom<unknown>(0, 0, 1, undefined, -1, 1.5), at: dataRef }) },
);

/** Any step: the Strat9 syscalls, page IPC, mailboxes, now and then a task's death. */
const anyOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 40, arbitrary: op },
  { weight: 32, arbitrary: pageOp },
  { weight: 8, arbitrary: mailOp },
  { weight: 1, arbitrary: fc.nat(3).map((agent) => ({ op: 'kill' as const, agent })) },
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
    kind: fc.constantFrom('bound-port', 'bound-port', 'granted-port', 'channel', 'semaphore', 'connect', 'handler', 'handler', 'pages', 'pages', 'delivery', 'mail-flood'),
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
      case 'handler':
        return [{ task: to, call: { op: 'page-register', type: value === 2 ? 2 : 1 } }];
      case 'mail-flood':
        // Eleven messages to one mailbox: the eleventh finds it full (EAGAIN); then one is taken.
        return [
          ...Array.from({ length: 11 }, (_, i): Step => ({ task, call: { op: 'send-data', pid: { agent: to }, at: { data: 0 }, len: 16 + i, fill: i } })),
          { task: to, call: { op: 'receive-data', mode: 0, at: { data: 512 } } },
        ];
      case 'delivery':
        // A page sent to a task that handles its type, which takes it (or waits for it).
        return [
          { task: to, call: { op: 'page-register', type: 3 } },
          { task, call: { op: 'page-alloc', n: 1 } },
          { task, call: { op: 'page-send', pid: { agent: to }, type: 3, addr: { mapped: 0, offset: 0 }, n: 1, flags: value * 2 } },
          { task: to, call: { op: 'page-take', at: { buf: 3 }, timeout: -1 } },
        ];
      case 'pages':
        return [
          { task, call: { op: 'page-alloc', n: value + 1 } },
          { task, call: { op: 'page-write', addr: { mapped: 0, offset: 0 }, at: { data: 0 }, len: 64, fill: task * 16 + value } },
        ];
      default:
        return [{ task, call: { op: 'connect', path: path === '/a/b' ? '/a/b/c' : path, len: PATH_LENGTH } }];
    }
  });

/** Programs of `minSteps`..`maxSteps` steps over 3 or 4 agents: an opening of 2-6 blocks, then anything. */
export function programArbitrary(minSteps = 20, maxSteps = 60): fc.Arbitrary<Program> {
  const opening = fc.array(setupBlock, { minLength: 2, maxLength: 6, size: 'max' }).map((blocks) => blocks.flat());
  const rest = fc.array(fc.record({ task: fc.nat(3), call: anyOp }), { minLength: Math.max(0, minSteps - 12), maxLength: Math.max(0, maxSteps - 12), size: 'max' });
  return fc.record({
    agents: fc.constantFrom(3, 4),
    rou2exos: fc.constantFrom(0, 0, 1, 2),
    spin: fc.constantFrom(0, 0, 20),
    steps: fc.tuple(opening, rest).map(([a, b]) => [...a, ...b]),
  });
}
