/**
 * The syscall table: the one source of every syscall's number, name,
 * personality, arguments, result and errnos. The numbers of numbers.ts
 * (`sys.SYS_*`) and the dispatch tables of strat9.ts, rou2exos.ts and
 * page-ipc.ts are built from it; scripts/gen-syscalls.mjs generates from it
 * the syscall and errno tables of README.md and docs/README.md and the C
 * header include/kipc.h (`npm run gen:syscalls`; test/syscalls checks they
 * are up to date). The errno values are those of src/core/errno.ts.
 *
 * Each entry: its number (the ABI: never changes meaning), its personality
 * ('strat9', the default; 'rou2exos'; 'page': page IPC, kipc's own numbers,
 * spoken by tasks of every personality), its arguments in order, what it
 * returns (`returns` in README.md, `brief` in docs/README.md), the rights or
 * state it needs (`needs`, docs/README.md) and the errnos the syscall itself
 * can return (the typed API's own, ETIMEDOUT or EINTR of a timeout or an
 * AbortSignal, are on the syscall's page only).
 */
import {
  EAGAIN,
  EBADF,
  EBUSY,
  EDQUOT,
  EEXIST,
  EFAULT,
  EINTR,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
  ENOSYS,
  EPERM,
  EPIPE,
  ESHUTDOWN,
  ESRCH,
  ETIMEDOUT,
} from '../core/errno.js';

export type Personality = 'strat9' | 'rou2exos' | 'page';

/**
 * What an argument is: a handle of the caller's table; a pointer (byte
 * offset into the task's user memory); a length in bytes; a timeout in
 * nanoseconds (0 poll, -1 forever); a pid; a bit mask; a page address in
 * the task's page space; a plain integer; reserved (must be 0).
 */
export type ArgKind = 'handle' | 'pointer' | 'length' | 'timeout' | 'pid' | 'flags' | 'address' | 'int' | 'reserved';

export interface SyscallArg {
  readonly name: string;
  readonly kind: ArgKind;
  /** May be omitted (undefined): the syscall takes its default. */
  readonly optional?: boolean;
  /** Its range or default, shown in docs/README.md after the name. */
  readonly note?: string;
}

export interface SyscallSpec {
  readonly nr: number;
  readonly personality: Personality;
  readonly args: readonly SyscallArg[];
  /** What it returns, with its waits and rights (README.md). */
  readonly returns: string;
  /** What it returns, in brief (docs/README.md). */
  readonly brief: string;
  /** The rights or state it needs (docs/README.md); '' for none. */
  readonly needs: string;
  /** The errnos it returns as -errno, in the order README.md lists them. */
  readonly errnos: readonly number[];
}

const h = { name: 'h', kind: 'handle' } as const;
const msgPtr = { name: 'msg_ptr', kind: 'pointer' } as const;
const outPtr = { name: 'out_ptr', kind: 'pointer' } as const;
const pathPtr = { name: 'path_ptr', kind: 'pointer' } as const;
const bufPtr = { name: 'buf_ptr', kind: 'pointer' } as const;
const len = { name: 'len', kind: 'length' } as const;
const addr = { name: 'addr', kind: 'address' } as const;
const id = { name: 'id', kind: 'int' } as const;

/** Every syscall, by name (numbers.ts exports each as `SYS_<name>`). */
export const SYSCALLS = {
  HANDLE_DUPLICATE: {
    nr: 1,
    personality: 'strat9',
    args: [h],
    returns: 'new handle, same rights (needs grant)',
    brief: 'new handle',
    needs: 'grant',
    errnos: [EBADF, EPERM, ENOSPC, EDQUOT],
  },
  HANDLE_CLOSE: {
    nr: 2,
    personality: 'strat9',
    args: [h],
    returns: "0; a port dies with its owner's last receive handle",
    brief: '0',
    needs: '',
    errnos: [EBADF],
  },
  HANDLE_WAIT: {
    nr: 3,
    personality: 'strat9',
    args: [h, { name: 'timeout_ns', kind: 'timeout' }, { name: 'events', kind: 'flags', optional: true }],
    returns: 'ready events: READABLE 1, WRITABLE 2 (timeout 0 = poll, -1 = forever)',
    brief: 'ready events',
    needs: '',
    errnos: [EINVAL, EBADF, EAGAIN, ETIMEDOUT, EPIPE],
  },
  HANDLE_GRANT: {
    nr: 4,
    personality: 'strat9',
    args: [h, { name: 'pid', kind: 'pid' }],
    returns: "the handle in pid's table (needs grant)",
    brief: "handle in pid's table",
    needs: 'grant',
    errnos: [EBADF, EPERM, ESRCH, ENOSPC, EDQUOT],
  },
  HANDLE_REVOKE: {
    nr: 5,
    personality: 'strat9',
    args: [h],
    returns: 'how many derived handles were closed (needs revoke)',
    brief: 'handles closed',
    needs: 'revoke',
    errnos: [EBADF, EPERM],
  },
  HANDLE_INFO: {
    nr: 6,
    personality: 'strat9',
    args: [h, outPtr],
    returns: '0; writes {type u32, rights u32, object id u64}',
    brief: '0',
    needs: '',
    errnos: [EBADF, EFAULT],
  },
  IPC_CREATE_PORT: {
    nr: 200,
    personality: 'strat9',
    args: [{ name: 'flags', kind: 'reserved' }],
    returns: 'handle with all rights; queue of 16',
    brief: 'handle, all rights',
    needs: '',
    errnos: [EINVAL, ENOSPC, ENOMEM, EDQUOT],
  },
  IPC_SEND: {
    nr: 201,
    personality: 'strat9',
    args: [h, msgPtr],
    returns: '0; waits while full (needs write)',
    brief: '0',
    needs: 'write',
    errnos: [EFAULT, EBADF, EPERM, EPIPE],
  },
  IPC_RECV: {
    nr: 202,
    personality: 'strat9',
    args: [h, msgPtr],
    returns: '0; waits while empty (needs read)',
    brief: '0',
    needs: 'read',
    errnos: [EFAULT, EBADF, EPERM, EPIPE, ENOSPC, EDQUOT],
  },
  IPC_CALL: {
    nr: 203,
    personality: 'strat9',
    args: [h, msgPtr],
    returns: '0; the reply overwrites the message',
    brief: '0',
    needs: 'write',
    errnos: [EFAULT, EBADF, EPERM, EPIPE, ENOMEM, EDQUOT],
  },
  IPC_REPLY: {
    nr: 204,
    personality: 'strat9',
    args: [msgPtr],
    returns: '0; only the receiver of the call, once; `sender` exactly as received (pid + call token; token 0 is EPERM)',
    brief: '0',
    needs: "the call's reply right (`sender` = pid + call token as received)",
    errnos: [EFAULT, EPERM, EBADF, EPIPE, ENOSPC, EDQUOT],
  },
  IPC_BIND_PORT: {
    nr: 205,
    personality: 'strat9',
    args: [h, pathPtr, len],
    returns: '0 (needs read+write+grant)',
    brief: '0',
    needs: 'read + write + grant',
    errnos: [EBADF, EPERM, EINVAL, EFAULT, EPIPE, EEXIST, ENOSPC, EDQUOT],
  },
  IPC_UNBIND_PORT: {
    nr: 206,
    personality: 'strat9',
    args: [pathPtr, len],
    returns: '0; the port lives on',
    brief: '0',
    needs: 'binder or port owner',
    errnos: [EINVAL, EFAULT, ENOENT, EPERM],
  },
  IPC_TRY_RECV: {
    nr: 207,
    personality: 'strat9',
    args: [h, msgPtr],
    returns: '0, or EAGAIN when empty',
    brief: '0',
    needs: 'read',
    errnos: [EFAULT, EBADF, EPERM, EPIPE, EAGAIN, ENOSPC, EDQUOT],
  },
  IPC_CONNECT: {
    nr: 208,
    personality: 'strat9',
    args: [pathPtr, len],
    returns: 'a send-only (write) handle, by longest `/`-prefix',
    brief: 'send-only handle',
    needs: '',
    errnos: [EINVAL, EFAULT, EPERM, ENOENT, ENOSPC, EDQUOT],
  },
  IPC_RING_CREATE: {
    nr: 210,
    personality: 'strat9',
    args: [{ name: 'size', kind: 'length' }],
    returns: 'handle with all rights to ceil(size/4096) zeroed pages',
    brief: 'handle, all rights',
    needs: '',
    errnos: [EINVAL, ENOMEM, ENOSPC, EDQUOT],
  },
  IPC_RING_MAP: {
    nr: 211,
    personality: 'strat9',
    args: [h, outPtr],
    returns: "the size in bytes; writes the ring's u64 byte offset in the kernel buffer (needs read+write)",
    brief: 'size in bytes',
    needs: 'read + write',
    errnos: [EBADF, EPERM, EFAULT],
  },
  CHAN_CREATE: {
    nr: 220,
    personality: 'strat9',
    args: [{ name: 'capacity', kind: 'int', note: 'clamped to 1..1024' }],
    returns: 'handle with all rights (a sender and a receiver); capacity clamped to 1..1024',
    brief: 'handle, all rights',
    needs: '',
    errnos: [EINVAL, ENOMEM, ENOSPC, EDQUOT],
  },
  CHAN_SEND: {
    nr: 221,
    personality: 'strat9',
    args: [h, msgPtr],
    returns: '0; waits while full (needs write); EPIPE once no handle can receive',
    brief: '0',
    needs: 'write',
    errnos: [EFAULT, EBADF, EPERM, EPIPE, EINVAL],
  },
  CHAN_RECV: {
    nr: 222,
    personality: 'strat9',
    args: [h, msgPtr],
    returns: '0; waits while empty (needs read); queued messages drain, then EPIPE once no handle can send',
    brief: '0',
    needs: 'read',
    errnos: [EFAULT, EBADF, EPERM, EPIPE],
  },
  CHAN_TRY_RECV: {
    nr: 223,
    personality: 'strat9',
    args: [h, msgPtr],
    returns: '0, or EAGAIN when empty',
    brief: '0',
    needs: 'read',
    errnos: [EFAULT, EBADF, EPERM, EPIPE, EAGAIN],
  },
  CHAN_CLOSE: {
    nr: 224,
    personality: 'strat9',
    args: [h],
    returns: '0; the channel dies with its last handle',
    brief: '0',
    needs: '',
    errnos: [EBADF],
  },
  SEM_CREATE: {
    nr: 230,
    personality: 'strat9',
    args: [{ name: 'initial', kind: 'int' }],
    returns: 'handle with all rights',
    brief: 'handle, all rights',
    needs: '',
    errnos: [EINVAL, ENOMEM, ENOSPC, EDQUOT],
  },
  SEM_WAIT: {
    nr: 231,
    personality: 'strat9',
    args: [h],
    returns: '0; waits while the count is 0, then takes one (needs read)',
    brief: '0',
    needs: 'read',
    errnos: [EBADF, EPERM, EPIPE],
  },
  SEM_TRYWAIT: {
    nr: 232,
    personality: 'strat9',
    args: [h],
    returns: '0, or EAGAIN at 0',
    brief: '0',
    needs: 'read',
    errnos: [EBADF, EPERM, EPIPE, EAGAIN],
  },
  SEM_POST: {
    nr: 233,
    personality: 'strat9',
    args: [h],
    returns: '0; adds one, wakes one waiter (needs write)',
    brief: '0',
    needs: 'write',
    errnos: [EBADF, EPERM, EPIPE, EINVAL],
  },
  SEM_CLOSE: {
    nr: 234,
    personality: 'strat9',
    args: [h],
    returns: '0',
    brief: '0',
    needs: '',
    errnos: [EBADF],
  },
  BUF_CREATE: {
    nr: 240,
    personality: 'strat9',
    args: [{ name: 'src_ptr', kind: 'pointer' }, len],
    returns: 'handle with all rights to a sealed buffer holding a copy of the `len` bytes (a value out of line: move it in a message\'s `flags`)',
    brief: 'handle, all rights',
    needs: '',
    errnos: [EINVAL, EFAULT, ENOMEM, ENOSPC, EDQUOT],
  },
  BUF_READ: {
    nr: 241,
    personality: 'strat9',
    args: [h, { name: 'from', kind: 'int' }, { name: 'dst_ptr', kind: 'pointer' }, len],
    returns: 'bytes copied from byte `from` of the buffer (fewer at its end; needs read)',
    brief: 'bytes copied',
    needs: 'read',
    errnos: [EINVAL, EFAULT, EBADF, EPERM],
  },
  BUF_SIZE: {
    nr: 242,
    personality: 'strat9',
    args: [h],
    returns: "the buffer's length in bytes",
    brief: 'length in bytes',
    needs: '',
    errnos: [EBADF],
  },

  PIPE: {
    nr: 0x03,
    personality: 'rou2exos',
    args: [
      { name: 'op', kind: 'int', note: '1 subscribe, 2 unsubscribe, 3 read' },
      bufPtr,
      { name: 'len', kind: 'length', optional: true, note: '16' },
    ],
    returns: 'op 1 subscribe, 2 unsubscribe: 0; op 3 read: how many scancode bytes were copied (at most `len`, default 16; never waits)',
    brief: '0; op 3: bytes read',
    needs: 'op 2, 3: a subscription',
    errnos: [EINVAL, EEXIST, ENOSPC, ENOENT, EFAULT],
  },
  RECEIVE_DATA: {
    nr: 0x35,
    personality: 'rou2exos',
    args: [{ name: 'mode', kind: 'int', note: '0 = do not wait' }, bufPtr],
    returns: "the oldest message's length (a frame's length for a network frame); mode 0: 0 when empty, else sleeps until one arrives",
    brief: 'message length; 0 = empty (mode 0)',
    needs: '',
    errnos: [EINVAL, EFAULT, ENOMEM],
  },
  SEND_DATA: {
    nr: 0x36,
    personality: 'rou2exos',
    args: [{ name: 'target_pid', kind: 'pid' }, bufPtr, { name: 'len', kind: 'length', optional: true, note: '1..512, default 512' }],
    returns: "0; copies `len` bytes (default 512, 1..512) into the target's mailbox of 10 and wakes it",
    brief: '0',
    needs: 'a live target pid',
    errnos: [EINVAL, EFAULT, ESRCH, EAGAIN, ENOMEM],
  },
  NET_REGISTER: {
    nr: 0x37,
    personality: 'rou2exos',
    args: [{ name: 'port', kind: 'int', note: '0 = driver, 1..65535' }],
    returns: '0; port 0: become the network driver; 1..65535: get the frames for that TCP destination port (16 entries)',
    brief: '0',
    needs: '',
    errnos: [EINVAL, EBUSY, ENOSPC],
  },

  PAGE_ALLOC: {
    nr: 300,
    personality: 'page',
    args: [{ name: 'npages', kind: 'int', note: '1..pageSpace' }],
    returns: 'the address of `npages` fresh read/write pages',
    brief: 'address of fresh read/write pages',
    needs: '',
    errnos: [EINVAL, ENOMEM],
  },
  PAGE_FREE: {
    nr: 301,
    personality: 'page',
    args: [addr, { name: 'npages', kind: 'int' }],
    returns: '0',
    brief: '0',
    needs: 'the pages mapped',
    errnos: [EINVAL, EFAULT],
  },
  PAGE_SEND: {
    nr: 302,
    personality: 'page',
    args: [{ name: 'pid', kind: 'pid' }, { name: 'type', kind: 'int' }, addr, { name: 'npages', kind: 'int', note: '1..256' }, { name: 'flags', kind: 'flags' }],
    returns: 'how many targets the pages went to',
    brief: 'targets the pages went to',
    needs: 'the pages mapped (writable for bit 1 without bit 2); a target handling `type`',
    errnos: [EINVAL, EFAULT, ESRCH, EAGAIN, ENOENT, ENOMEM],
  },
  PAGE_REGISTER_HANDLER: {
    nr: 303,
    personality: 'page',
    args: [{ name: 'type', kind: 'int', note: '0..2^31-2' }],
    returns: '0',
    brief: '0',
    needs: '',
    errnos: [EINVAL, EEXIST, ENOSPC],
  },
  PAGE_UNREGISTER_HANDLER: {
    nr: 304,
    personality: 'page',
    args: [{ name: 'type', kind: 'int' }],
    returns: '0',
    brief: '0',
    needs: '`type` registered',
    errnos: [EINVAL, ENOENT],
  },
  PAGE_TAKE: {
    nr: 305,
    personality: 'page',
    args: [outPtr, { name: 'timeout_ns', kind: 'timeout', optional: true, note: '0 = do not wait, -1 = forever' }],
    returns: '1: the oldest delivery is mapped and {id, sender, type, addr, npages, flags} written; 0: none (timeout 0 = poll, -1 = wait)',
    brief: '1 = taken, record {id, sender, type, addr, npages, flags} at out_ptr; 0 = none pending',
    needs: '',
    errnos: [EINVAL, EFAULT, ENOMEM, ETIMEDOUT],
  },
  PAGE_ACCEPT: {
    nr: 306,
    personality: 'page',
    args: [id],
    returns: '0: the pages stay',
    brief: '0',
    needs: 'a delivery the caller took',
    errnos: [EINVAL],
  },
  PAGE_ABANDON: {
    nr: 307,
    personality: 'page',
    args: [id],
    returns: '0: the pages go',
    brief: '0',
    needs: 'a delivery the caller took',
    errnos: [EINVAL],
  },
  PAGE_READ: {
    nr: 308,
    personality: 'page',
    args: [addr, { name: 'dst_ptr', kind: 'pointer' }, len],
    returns: '`len`: copied from pages to user memory',
    brief: 'len',
    needs: 'the pages mapped',
    errnos: [EINVAL, EFAULT],
  },
  PAGE_WRITE: {
    nr: 309,
    personality: 'page',
    args: [addr, { name: 'src_ptr', kind: 'pointer' }, len],
    returns: '`len`: copied into pages mapped writable',
    brief: 'len',
    needs: 'the pages mapped writable',
    errnos: [EINVAL, EFAULT],
  },
} as const satisfies Readonly<Record<string, SyscallSpec>>;

export type SyscallName = keyof typeof SYSCALLS;
/** The names of one personality's syscalls. */
export type SyscallNameOf<P extends Personality> = {
  [K in SyscallName]: (typeof SYSCALLS)[K]['personality'] extends P ? K : never;
}[SyscallName];

/** The errnos' meanings (docs/README.md, "Errno values"), for every errno of src/core/errno.ts. */
export const ERRNO_MEANINGS: Readonly<Record<number, string>> = {
  [EPERM]: 'a right is missing, or the caller may not do this',
  [ENOENT]:
    'nothing is bound at that name; the task is not subscribed to the keyboard; the target has no page handler for the type, or the type is not registered',
  [ESRCH]: 'no live task has that pid',
  [EINTR]: 'aborted by an AbortSignal (typed API)',
  [EBADF]: 'not a live handle of this task, or the wrong object type',
  [EAGAIN]:
    'would block (poll, try-receive, try-wait; a full mailbox or transmit queue); a page send past the sender\'s in-flight quota, or with no delivery record free',
  [ENOMEM]: "a kernel-wide pool is exhausted; no free range that long in a task's page space",
  [EFAULT]:
    "a buffer lies outside the task's user memory; a page outside the page space, not mapped, or not mapped with the rights needed (a write to a read-only page)",
  [EBUSY]: 'busy: another live task is the network driver or holds the TCP port; a device is attached already',
  [EEXIST]: 'the name is already bound; the task is already subscribed to the keyboard; the page handler type is already registered',
  [EINVAL]: 'an invalid argument (also a semaphore count at its maximum)',
  [ENOSPC]: "a handle table, the namespace, the network port table, the keyboard's subscribers or a task's 16 page handler types are full",
  [EPIPE]:
    'the other end is gone: object destroyed, the server died, no channel end of the other kind left, a ring stream shut down, or no network interface attached (transmit)',
  [ENOSYS]: 'no such syscall',
  [ESHUTDOWN]: 'kipc\'s own: the kernel was closed (`Kernel.close()`); no operation of its init task works any more',
  [ETIMEDOUT]: 'the deadline passed',
  [EDQUOT]: "a task's [quota](quotas.md) of a kernel table is spent, or the target of a grant refuses it",
};
