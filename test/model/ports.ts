/**
 * Ports in the model (docs/objects/port.md, docs/objects/call.md): a bounded
 * FIFO of 64-byte messages owned by its creator; send, receive, call and
 * reply; destruction when the owner's last handle with read goes.
 *
 * Each syscall that can block is an attempt: it checks its arguments in the
 * order the syscall pages give, then either completes (changing the state)
 * or answers BLOCK having changed nothing, and is tried again whenever what
 * it waits on changes.
 */
import { type Attempt, BLOCK, E, LIMIT, MSG, RIGHT } from './abi.js';
import { inMemory, intArg } from './args.js';
import { readI32, writeU32 } from './memory.js';
import { addObject, type PortObject } from './objects.js';
import { attachTransfer, install, landTransfer, lookup, lookupKind, release } from './handles.js';
import { type ModelState, callKey, objectKey, touch } from './state.js';

/** IPC_CREATE_PORT: flags must be 0; a port of 16 owned by the caller, a handle with every right. */
export function createPort(s: ModelState, pid: number, flags: unknown): number {
  if (intArg(flags) !== 0) return -E.EINVAL;
  if (s.nodes.filter((n) => n.pid === pid).length >= s.limits.maxHandles) return -E.ENOSPC;
  const port = addObject<PortObject>(s, (id) => ({ kind: 'port', id, owner: pid, destroyed: false, capacity: LIMIT.PORT_CAPACITY, queue: [] }));
  return install(s, pid, port.id, RIGHT.ALL, null);
}

/**
 * IPC_SEND / the sending half of IPC_CALL: EFAULT, EBADF, EPERM (write),
 * EPIPE (destroyed), EBADF/EPERM for the handle in `flags` (needs grant),
 * then BLOCK while full. A call answers its token.
 */
export function sendAttempt(s: ModelState, pid: number, hArg: unknown, ptrArg: unknown, asCall: boolean): Attempt {
  const mem = s.tasks[pid]!.mem;
  const ptr = intArg(ptrArg);
  if (!inMemory(mem.length, ptr, MSG.BYTES)) return -E.EFAULT;
  const node = lookupKind(s, pid, intArg(hArg), 'port', RIGHT.WRITE);
  if (typeof node === 'number') return node;
  const port = s.objects[node.objectId] as PortObject;
  if (port.destroyed) return -E.EPIPE;
  const flags = readI32(mem, ptr + MSG.FLAGS);
  const xfer = flags === 0 ? null : lookup(s, pid, flags, RIGHT.GRANT);
  if (typeof xfer === 'number') return xfer;
  if (port.queue.length >= port.capacity) return BLOCK;
  const bytes = mem.slice(ptr, ptr + MSG.BYTES);
  const token = asCall ? s.nextToken++ : 0;
  writeU32(bytes, MSG.SENDER, pid);
  writeU32(bytes, MSG.TOKEN, token);
  writeU32(bytes, MSG.FLAGS, 0);
  const transferNodeId = xfer === null ? null : attachTransfer(s, xfer);
  port.queue.push({ bytes, token, transferNodeId });
  if (asCall) s.calls[token] = { token, caller: pid, state: 'queued', server: 0, portId: port.id, reply: null, status: 0 };
  touch(s, objectKey(port.id));
  return asCall ? token : 0;
}

/**
 * IPC_RECV / IPC_TRY_RECV: EFAULT, EBADF, EPERM (read), EPIPE (destroyed),
 * then the oldest message (BLOCK or EAGAIN when empty). A handle it carries
 * lands in the receiver's table (ENOSPC: the message stays queued); a call
 * gives the receiver the reply right.
 */
export function receiveAttempt(s: ModelState, pid: number, hArg: unknown, ptrArg: unknown, wait: boolean): Attempt {
  const mem = s.tasks[pid]!.mem;
  const ptr = intArg(ptrArg);
  if (!inMemory(mem.length, ptr, MSG.BYTES)) return -E.EFAULT;
  const node = lookupKind(s, pid, intArg(hArg), 'port', RIGHT.READ);
  if (typeof node === 'number') return node;
  const port = s.objects[node.objectId] as PortObject;
  if (port.destroyed) return -E.EPIPE;
  const head = port.queue[0];
  if (head === undefined) return wait ? BLOCK : -E.EAGAIN;
  let flags = 0;
  if (head.transferNodeId !== null) {
    flags = landTransfer(s, head.transferNodeId, pid);
    if (flags < 0) return flags;
  }
  port.queue.shift();
  mem.set(head.bytes, ptr);
  writeU32(mem, ptr + MSG.FLAGS, flags);
  if (head.token !== 0) {
    const call = s.calls[head.token]!;
    call.state = 'received';
    call.server = pid;
  }
  touch(s, objectKey(port.id));
  return 0;
}

/** The waiting half of IPC_CALL: BLOCK until answered, then the reply over the message, and 0 or -EPIPE. */
export function takeReplyAttempt(s: ModelState, pid: number, token: number, ptr: number): Attempt {
  const call = s.calls[token]!;
  if (call.state !== 'replied') return BLOCK;
  s.tasks[pid]!.mem.set(call.reply!, ptr);
  delete s.calls[token];
  return call.status === 0 ? 0 : -call.status;
}

/**
 * IPC_REPLY: EFAULT; EPERM unless the caller holds the reply right for the
 * call `sender` names (pid and token exactly as received, not yet answered);
 * EBADF/EPERM for the handle in `flags`; ENOSPC when it cannot land in the
 * caller's table (the right is kept). The caller gets the 64 bytes with
 * `sender` = the replier's pid and `flags` = the handle it received, or 0.
 */
export function reply(s: ModelState, pid: number, ptrArg: unknown): number {
  const mem = s.tasks[pid]!.mem;
  const ptr = intArg(ptrArg);
  if (!inMemory(mem.length, ptr, MSG.BYTES)) return -E.EFAULT;
  const callerPid = readI32(mem, ptr + MSG.SENDER);
  const token = readI32(mem, ptr + MSG.TOKEN);
  const flags = readI32(mem, ptr + MSG.FLAGS);
  const call = s.calls[token];
  if (call === undefined || call.state !== 'received' || call.server !== pid || call.caller !== callerPid) return -E.EPERM;
  const xfer = flags === 0 ? null : lookup(s, pid, flags, RIGHT.GRANT);
  if (typeof xfer === 'number') return xfer;
  let installed = 0;
  if (xfer !== null) {
    installed = install(s, call.caller, xfer.objectId, xfer.rights, xfer.id);
    if (installed < 0) return installed;
  }
  const answer = mem.slice(ptr, ptr + MSG.BYTES);
  writeU32(answer, MSG.SENDER, pid);
  writeU32(answer, MSG.TOKEN, 0);
  writeU32(answer, MSG.FLAGS, installed);
  call.state = 'replied';
  call.reply = answer;
  call.status = 0;
  touch(s, callKey(token));
  return 0;
}

/** The kernel's error reply: msg_type 0x80, payload[0..4] = errno, sender = `fromPid`. */
export function errorReply(fromPid: number, errno: number): Uint8Array {
  const bytes = new Uint8Array(MSG.BYTES);
  writeU32(bytes, MSG.SENDER, fromPid);
  writeU32(bytes, MSG.TYPE, MSG.TYPE_REPLY);
  writeU32(bytes, MSG.PAYLOAD, errno);
  return bytes;
}

/**
 * Destroys a port (its owner's last handle with read went): every call
 * still queued gets an EPIPE reply from the owner, plain messages are
 * dropped with the handles they carry, its names go, and every task waiting
 * on it looks again (and finds EPIPE). Calls already received are untouched.
 */
export function destroyPort(s: ModelState, port: PortObject): void {
  port.destroyed = true;
  const queued = port.queue;
  port.queue = [];
  for (const m of queued) {
    if (m.token !== 0) {
      const call = s.calls[m.token]!;
      call.state = 'replied';
      call.reply = errorReply(port.owner, E.EPIPE);
      call.status = E.EPIPE;
      touch(s, callKey(m.token));
    }
    if (m.transferNodeId !== null) release(s, m.transferNodeId);
  }
  s.bindings = s.bindings.filter((b) => b.portId !== port.id);
  touch(s, objectKey(port.id));
}
