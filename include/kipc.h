/*
 * kipc.h: the kipc syscall ABI for C programs (e.g. compiled to wasm and run
 * by a task with task.useMemory(memory)): syscall numbers, errnos, the
 * 64-byte message and the constants of its fields and of the syscalls.
 * A syscall returns a value >= 0, or -errno; pointers are byte offsets into
 * the task's user memory; every value is little-endian.
 *
 * Generated from src/syscalls/table.ts and src/core by scripts/gen-syscalls.mjs
 * (`npm run gen:syscalls`): do not edit.
 */
#ifndef KIPC_H
#define KIPC_H

#include <stddef.h>
#include <stdint.h>

/* Personalities, chosen at spawn. */
#define KIPC_PERSONALITY_STRAT9 0
#define KIPC_PERSONALITY_ROU2EXOS 1

/* Syscalls of the Strat9 personality (the default): arguments in order, ? optional. */
#define KIPC_SYS_HANDLE_DUPLICATE 1          /* (h) */
#define KIPC_SYS_HANDLE_CLOSE 2              /* (h) */
#define KIPC_SYS_HANDLE_WAIT 3               /* (h, timeout_ns, events?) */
#define KIPC_SYS_HANDLE_GRANT 4              /* (h, pid) */
#define KIPC_SYS_HANDLE_REVOKE 5             /* (h) */
#define KIPC_SYS_HANDLE_INFO 6               /* (h, out_ptr) */
#define KIPC_SYS_IPC_CREATE_PORT 200         /* (flags (0)) */
#define KIPC_SYS_IPC_SEND 201                /* (h, msg_ptr) */
#define KIPC_SYS_IPC_RECV 202                /* (h, msg_ptr) */
#define KIPC_SYS_IPC_CALL 203                /* (h, msg_ptr) */
#define KIPC_SYS_IPC_REPLY 204               /* (msg_ptr) */
#define KIPC_SYS_IPC_BIND_PORT 205           /* (h, path_ptr, len) */
#define KIPC_SYS_IPC_UNBIND_PORT 206         /* (path_ptr, len) */
#define KIPC_SYS_IPC_TRY_RECV 207            /* (h, msg_ptr) */
#define KIPC_SYS_IPC_CONNECT 208             /* (path_ptr, len) */
#define KIPC_SYS_IPC_RING_CREATE 210         /* (size) */
#define KIPC_SYS_IPC_RING_MAP 211            /* (h, out_ptr) */
#define KIPC_SYS_CHAN_CREATE 220             /* (capacity) */
#define KIPC_SYS_CHAN_SEND 221               /* (h, msg_ptr) */
#define KIPC_SYS_CHAN_RECV 222               /* (h, msg_ptr) */
#define KIPC_SYS_CHAN_TRY_RECV 223           /* (h, msg_ptr) */
#define KIPC_SYS_CHAN_CLOSE 224              /* (h) */
#define KIPC_SYS_SEM_CREATE 230              /* (initial) */
#define KIPC_SYS_SEM_WAIT 231                /* (h) */
#define KIPC_SYS_SEM_TRYWAIT 232             /* (h) */
#define KIPC_SYS_SEM_POST 233                /* (h) */
#define KIPC_SYS_SEM_CLOSE 234               /* (h) */
#define KIPC_SYS_BUF_CREATE 240              /* (src_ptr, len) */
#define KIPC_SYS_BUF_READ 241                /* (h, from, dst_ptr, len) */
#define KIPC_SYS_BUF_SIZE 242                /* (h) */

/* Syscalls of the rou2exOS personality. */
#define KIPC_SYS_PIPE 0x03                   /* (op, buf_ptr, len?) */
#define KIPC_SYS_RECEIVE_DATA 0x35           /* (mode, buf_ptr) */
#define KIPC_SYS_SEND_DATA 0x36              /* (target_pid, buf_ptr, len?) */
#define KIPC_SYS_NET_REGISTER 0x37           /* (port) */

/* Page IPC syscalls, spoken by tasks of every personality. */
#define KIPC_SYS_PAGE_ALLOC 300              /* (npages) */
#define KIPC_SYS_PAGE_FREE 301               /* (addr, npages) */
#define KIPC_SYS_PAGE_SEND 302               /* (pid, type, addr, npages, flags) */
#define KIPC_SYS_PAGE_REGISTER_HANDLER 303   /* (type) */
#define KIPC_SYS_PAGE_UNREGISTER_HANDLER 304 /* (type) */
#define KIPC_SYS_PAGE_TAKE 305               /* (out_ptr, timeout_ns?) */
#define KIPC_SYS_PAGE_ACCEPT 306             /* (id) */
#define KIPC_SYS_PAGE_ABANDON 307            /* (id) */
#define KIPC_SYS_PAGE_READ 308               /* (addr, dst_ptr, len) */
#define KIPC_SYS_PAGE_WRITE 309              /* (addr, src_ptr, len) */

/* Errno values: a failed syscall returns -errno. */
#define KIPC_EPERM 1
#define KIPC_ENOENT 2
#define KIPC_ESRCH 3
#define KIPC_EINTR 4
#define KIPC_EBADF 9
#define KIPC_EAGAIN 11
#define KIPC_ENOMEM 12
#define KIPC_EFAULT 14
#define KIPC_EBUSY 16
#define KIPC_EEXIST 17
#define KIPC_EINVAL 22
#define KIPC_ENOSPC 28
#define KIPC_EPIPE 32
#define KIPC_ENOSYS 38
#define KIPC_ESHUTDOWN 108
#define KIPC_ETIMEDOUT 110
#define KIPC_EDQUOT 122

/* Handle rights. */
#define KIPC_RIGHT_READ 1
#define KIPC_RIGHT_WRITE 2
#define KIPC_RIGHT_EXECUTE 4
#define KIPC_RIGHT_GRANT 8
#define KIPC_RIGHT_REVOKE 16
#define KIPC_RIGHTS_ALL 31

/* HANDLE_WAIT events. */
#define KIPC_EVENT_READABLE 1
#define KIPC_EVENT_WRITABLE 2

/* Object types (HANDLE_INFO's type). */
#define KIPC_OBJ_PORT 4
#define KIPC_OBJ_CHANNEL 5
#define KIPC_OBJ_RING 6
#define KIPC_OBJ_SEMAPHORE 7
#define KIPC_OBJ_MAILBOX 8

/* The message of IPC_SEND, IPC_RECV, IPC_CALL, IPC_REPLY and the channel syscalls. */
#define KIPC_MESSAGE_BYTES 64
#define KIPC_MSG_PAYLOAD_BYTES 48
#define KIPC_MSG_TYPE_REPLY 0x80             /* a reply carrying a status; the errno as u32 at payload[0..4] */
#define KIPC_MSG_TYPE_BOOTSTRAP 0x10

struct kipc_message {
  uint64_t sender;   /* set by the kernel: pid in the low word, call token in the high word */
  uint32_t msg_type;
  uint32_t flags;    /* a handle to transfer (needs grant), or 0 */
  uint8_t payload[48];
};
_Static_assert(sizeof(struct kipc_message) == 64, "the message is 64 bytes");
_Static_assert(offsetof(struct kipc_message, sender) == 0, "sender");
_Static_assert(offsetof(struct kipc_message, msg_type) == 8, "msg_type");
_Static_assert(offsetof(struct kipc_message, flags) == 12, "flags");
_Static_assert(offsetof(struct kipc_message, payload) == 16, "payload");

/* What HANDLE_INFO writes at out_ptr. */
struct kipc_handle_info {
  uint32_t type;     /* KIPC_OBJ_* */
  uint32_t rights;   /* KIPC_RIGHT_* */
  uint64_t object_id;
};
_Static_assert(sizeof(struct kipc_handle_info) == 16, "the handle info is 16 bytes");

/* PAGE_SEND flags: KEEP the sender keeps its access (share), RECEIVER_WRITES receivers may write, DUPLICATE each receiver gets a copy; the target in bits 3-4. */
#define KIPC_PAGE_SEND_KEEP 1
#define KIPC_PAGE_SEND_RECEIVER_WRITES 2
#define KIPC_PAGE_SEND_DUPLICATE 4
#define KIPC_PAGE_SEND_TARGET_SHIFT 3
#define KIPC_PAGE_SEND_TARGET_PID 0
#define KIPC_PAGE_SEND_TARGET_SELF 1
#define KIPC_PAGE_SEND_TARGET_ALL 2
#define KIPC_PAGE_SEND_TARGET_OTHERS 3

/* PIPE's op. */
#define KIPC_PIPE_SUBSCRIBE 1
#define KIPC_PIPE_UNSUBSCRIBE 2
#define KIPC_PIPE_READ 3

#endif /* KIPC_H */
