/**
 * The numbers of the ABI as docs/README.md and README.md state them,
 * written out again for the reference model so that it shares no code with
 * the kernel it checks: syscall numbers, errno values, rights, object types,
 * events and the message layout.
 */

/** Syscall numbers of the Strat9 personality (docs/README.md, "Syscalls"). */
export const NR = {
  HANDLE_DUPLICATE: 1,
  HANDLE_CLOSE: 2,
  HANDLE_WAIT: 3,
  HANDLE_GRANT: 4,
  HANDLE_REVOKE: 5,
  HANDLE_INFO: 6,
  IPC_CREATE_PORT: 200,
  IPC_SEND: 201,
  IPC_RECV: 202,
  IPC_CALL: 203,
  IPC_REPLY: 204,
  IPC_BIND_PORT: 205,
  IPC_UNBIND_PORT: 206,
  IPC_TRY_RECV: 207,
  IPC_CONNECT: 208,
  IPC_RING_CREATE: 210,
  IPC_RING_MAP: 211,
  CHAN_CREATE: 220,
  CHAN_SEND: 221,
  CHAN_RECV: 222,
  CHAN_TRY_RECV: 223,
  CHAN_CLOSE: 224,
  SEM_CREATE: 230,
  SEM_WAIT: 231,
  SEM_TRYWAIT: 232,
  SEM_POST: 233,
  SEM_CLOSE: 234,
} as const;

/** Page IPC numbers (docs/objects/pages.md; README), spoken by tasks of every personality. */
export const PAGE_NR = {
  ALLOC: 300,
  FREE: 301,
  SEND: 302,
  REGISTER_HANDLER: 303,
  UNREGISTER_HANDLER: 304,
  TAKE: 305,
  ACCEPT: 306,
  ABANDON: 307,
  READ: 308,
  WRITE: 309,
} as const;

/** rou2exOS numbers (docs/README.md, "Syscalls"), spoken only by tasks spawned with that personality. */
export const ROU_NR = { PIPE: 0x03, RECEIVE_DATA: 0x35, SEND_DATA: 0x36, NET_REGISTER: 0x37 } as const;

/** Errno values (docs/README.md, "Errno values"). */
export const E = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  EPIPE: 32,
  ENOSYS: 38,
  ETIMEDOUT: 110,
} as const;

/** Handle rights (docs/objects/handle.md). */
export const RIGHT = { READ: 1, WRITE: 2, EXECUTE: 4, GRANT: 8, REVOKE: 16, ALL: 31 } as const;

/** Resource types HANDLE_INFO reports (docs/syscalls/handle_info.md). */
export const TYPE = { PORT: 4, CHANNEL: 5, RING: 6, SEMAPHORE: 7 } as const;

/** HANDLE_WAIT events (docs/syscalls/handle_wait.md). */
export const EVENT = { READABLE: 1, WRITABLE: 2 } as const;

/** The 64-byte IpcMessage (docs/objects/port.md, "The message"). */
export const MSG = { BYTES: 64, SENDER: 0, TOKEN: 4, TYPE: 8, FLAGS: 12, PAYLOAD: 16, TYPE_REPLY: 0x80 } as const;

/** Defaults and bounds the docs and README give. */
export const LIMIT = {
  PORT_CAPACITY: 16,
  CHANNEL_MAX_CAPACITY: 1024,
  SEMAPHORE_MAX: 0x7fffffff,
  PAGE_BYTES: 4096,
  HANDLE_INFO_BYTES: 16,
  RING_MAP_BYTES: 8,
} as const;

/** Page IPC (docs/objects/pages.md, docs/syscalls/page_*.md). */
export const PAGE = {
  BYTES: 4096,
  MAX_SEND: 256,
  HANDLER_SLOTS: 16,
  /** The record PAGE_TAKE writes: six u32. */
  TAKE_RECORD_BYTES: 24,
  KEEP: 1,
  RECEIVER_WRITES: 2,
  DUPLICATE: 4,
  TARGET_SHIFT: 3,
  TARGET_PID: 0,
  TARGET_SELF: 1,
  TARGET_ALL: 2,
  TARGET_OTHERS: 3,
  FLAGS_MASK: 0x1f,
  /** The largest message type (2^31-2). */
  TYPE_MAX: 0x7ffffffe,
} as const;

/** rou2exOS mailboxes (docs/objects/mailbox.md). */
export const MAILBOX = { CAPACITY: 10, MESSAGE_BYTES: 512, POOL_PAGES: 6 } as const;

/** What an attempt answers when the syscall must wait (never returned by a syscall). */
export const BLOCK = Symbol('block');
export type Attempt = number | typeof BLOCK;
