/**
 * Syscall numbers, `sys.SYS_<name>` of the package, each taken from the
 * syscall table (src/syscalls/table.ts), where the numbers are written.
 * The ABI: these never change meaning.
 *
 * The Strat9 personality (docs/README.md, "Syscalls").
 */
import { SYSCALLS } from './table.js';

export const SYS_HANDLE_DUPLICATE = SYSCALLS.HANDLE_DUPLICATE.nr;
export const SYS_HANDLE_CLOSE = SYSCALLS.HANDLE_CLOSE.nr;
export const SYS_HANDLE_WAIT = SYSCALLS.HANDLE_WAIT.nr;
export const SYS_HANDLE_GRANT = SYSCALLS.HANDLE_GRANT.nr;
export const SYS_HANDLE_REVOKE = SYSCALLS.HANDLE_REVOKE.nr;
export const SYS_HANDLE_INFO = SYSCALLS.HANDLE_INFO.nr;
export const SYS_IPC_CREATE_PORT = SYSCALLS.IPC_CREATE_PORT.nr;
export const SYS_IPC_SEND = SYSCALLS.IPC_SEND.nr;
export const SYS_IPC_RECV = SYSCALLS.IPC_RECV.nr;
export const SYS_IPC_CALL = SYSCALLS.IPC_CALL.nr;
export const SYS_IPC_REPLY = SYSCALLS.IPC_REPLY.nr;
export const SYS_IPC_BIND_PORT = SYSCALLS.IPC_BIND_PORT.nr;
export const SYS_IPC_UNBIND_PORT = SYSCALLS.IPC_UNBIND_PORT.nr;
export const SYS_IPC_TRY_RECV = SYSCALLS.IPC_TRY_RECV.nr;
export const SYS_IPC_CONNECT = SYSCALLS.IPC_CONNECT.nr;
export const SYS_IPC_RING_CREATE = SYSCALLS.IPC_RING_CREATE.nr;
export const SYS_IPC_RING_MAP = SYSCALLS.IPC_RING_MAP.nr;
export const SYS_CHAN_CREATE = SYSCALLS.CHAN_CREATE.nr;
export const SYS_CHAN_SEND = SYSCALLS.CHAN_SEND.nr;
export const SYS_CHAN_RECV = SYSCALLS.CHAN_RECV.nr;
export const SYS_CHAN_TRY_RECV = SYSCALLS.CHAN_TRY_RECV.nr;
export const SYS_CHAN_CLOSE = SYSCALLS.CHAN_CLOSE.nr;
export const SYS_SEM_CREATE = SYSCALLS.SEM_CREATE.nr;
export const SYS_SEM_WAIT = SYSCALLS.SEM_WAIT.nr;
export const SYS_SEM_TRYWAIT = SYSCALLS.SEM_TRYWAIT.nr;
export const SYS_SEM_POST = SYSCALLS.SEM_POST.nr;
export const SYS_SEM_CLOSE = SYSCALLS.SEM_CLOSE.nr;
export const SYS_BUF_CREATE = SYSCALLS.BUF_CREATE.nr;
export const SYS_BUF_READ = SYSCALLS.BUF_READ.nr;
export const SYS_BUF_SIZE = SYSCALLS.BUF_SIZE.nr;

/** Personalities a task may speak, chosen at spawn. */
export const PERSONALITY_STRAT9 = 0;
export const PERSONALITY_ROU2EXOS = 1;

/** Syscall numbers of the rou2exOS personality (docs/README.md, "Syscalls"). */
export const SYS_PIPE = SYSCALLS.PIPE.nr;
export const SYS_RECEIVE_DATA = SYSCALLS.RECEIVE_DATA.nr;
export const SYS_SEND_DATA = SYSCALLS.SEND_DATA.nr;
export const SYS_NET_REGISTER = SYSCALLS.NET_REGISTER.nr;

/**
 * Page IPC (docs/objects/pages.md), kipc's own numbers: tasks of every personality
 * speak them.
 */
export const SYS_PAGE_ALLOC = SYSCALLS.PAGE_ALLOC.nr;
export const SYS_PAGE_FREE = SYSCALLS.PAGE_FREE.nr;
export const SYS_PAGE_SEND = SYSCALLS.PAGE_SEND.nr;
export const SYS_PAGE_REGISTER_HANDLER = SYSCALLS.PAGE_REGISTER_HANDLER.nr;
export const SYS_PAGE_UNREGISTER_HANDLER = SYSCALLS.PAGE_UNREGISTER_HANDLER.nr;
export const SYS_PAGE_TAKE = SYSCALLS.PAGE_TAKE.nr;
export const SYS_PAGE_ACCEPT = SYSCALLS.PAGE_ACCEPT.nr;
export const SYS_PAGE_ABANDON = SYSCALLS.PAGE_ABANDON.nr;
export const SYS_PAGE_READ = SYSCALLS.PAGE_READ.nr;
export const SYS_PAGE_WRITE = SYSCALLS.PAGE_WRITE.nr;
