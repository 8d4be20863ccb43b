/**
 * Syscall numbers of the Strat9 personality (docs/README.md, "Syscalls"). The ABI: these
 * never change meaning.
 */
export const SYS_HANDLE_DUPLICATE = 1;
export const SYS_HANDLE_CLOSE = 2;
export const SYS_HANDLE_WAIT = 3;
export const SYS_HANDLE_GRANT = 4;
export const SYS_HANDLE_REVOKE = 5;
export const SYS_HANDLE_INFO = 6;
export const SYS_IPC_CREATE_PORT = 200;
export const SYS_IPC_SEND = 201;
export const SYS_IPC_RECV = 202;
export const SYS_IPC_CALL = 203;
export const SYS_IPC_REPLY = 204;
export const SYS_IPC_BIND_PORT = 205;
export const SYS_IPC_UNBIND_PORT = 206;
export const SYS_IPC_TRY_RECV = 207;
export const SYS_IPC_CONNECT = 208;
export const SYS_IPC_RING_CREATE = 210;
export const SYS_IPC_RING_MAP = 211;
export const SYS_CHAN_CREATE = 220;
export const SYS_CHAN_SEND = 221;
export const SYS_CHAN_RECV = 222;
export const SYS_CHAN_TRY_RECV = 223;
export const SYS_CHAN_CLOSE = 224;
export const SYS_SEM_CREATE = 230;
export const SYS_SEM_WAIT = 231;
export const SYS_SEM_TRYWAIT = 232;
export const SYS_SEM_POST = 233;
export const SYS_SEM_CLOSE = 234;

/** Personalities a task may speak, chosen at spawn. */
export const PERSONALITY_STRAT9 = 0;
export const PERSONALITY_ROU2EXOS = 1;

/** Syscall numbers of the rou2exOS personality (docs/README.md, "Syscalls"). */
export const SYS_PIPE = 0x03;
export const SYS_RECEIVE_DATA = 0x35;
export const SYS_SEND_DATA = 0x36;
export const SYS_NET_REGISTER = 0x37;

/**
 * Page IPC (docs/objects/pages.md), kipc's own numbers: tasks of every personality
 * speak them.
 */
export const SYS_PAGE_ALLOC = 300;
export const SYS_PAGE_FREE = 301;
export const SYS_PAGE_SEND = 302;
export const SYS_PAGE_REGISTER_HANDLER = 303;
export const SYS_PAGE_UNREGISTER_HANDLER = 304;
export const SYS_PAGE_TAKE = 305;
export const SYS_PAGE_ACCEPT = 306;
export const SYS_PAGE_ABANDON = 307;
export const SYS_PAGE_READ = 308;
export const SYS_PAGE_WRITE = 309;
