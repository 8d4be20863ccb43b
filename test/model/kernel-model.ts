/**
 * The reference model of kipc's syscalls (docs/README.md, the object pages
 * and the syscall pages in docs/syscalls: Strat9, the rou2exOS mailboxes, page IPC): a
 * small, single-threaded, obviously sequential implementation of what each
 * syscall returns and changes.
 *
 * Nothing blocks here. A syscall that would block is parked on its task,
 * waiting on a key (an object, or a call for IPC_CALL's reply). Whenever an
 * operation changes something a parked syscall waits on, that syscall is
 * marked to look again, as the kernel wakes its waiters; `wakeable()` says
 * which of them would now get further, and `resume(pid)` lets one do so.
 * Where the docs leave the choice open (two receivers, one message) the
 * caller decides which one goes first, by watching the real kernel.
 */
import { type Attempt, BLOCK, E, NR, PAGE_NR, ROU_NR } from './abi.js';
import { intArg } from './args.js';
import { type ModelLimits, type ModelState, type ParkedOp, callKey, initialState, mailKey, objectKey, pageKey } from './state.js';
import * as pages from './pages.js';
import * as mailbox from './mailbox.js';
import * as handles from './handles.js';
import * as ports from './ports.js';
import * as names from './namespace.js';
import * as channels from './channels.js';
import * as semaphores from './semaphores.js';
import * as rings from './rings.js';
import { waitAttempt } from './wait.js';
import { lookup, release } from './handles.js';
import { touch } from './state.js';

/** A syscall's result in the model: its return value, or parked. */
export type Outcome = { done: true; r: number } | { done: false };

/** What a parked syscall would do if it looked now: return, or (IPC_CALL) get its message queued and wait for the reply. */
export type Wake = { pid: number; does: 'complete' | 'queue-call' };

/** Syscalls that can block, tried again until they stop answering BLOCK. */
const BLOCKING: ReadonlySet<number> = new Set([NR.HANDLE_WAIT, NR.IPC_SEND, NR.IPC_RECV, NR.IPC_CALL, NR.CHAN_SEND, NR.CHAN_RECV, NR.SEM_WAIT]);

/**
 * One try of a blocking syscall `op` by `pid` against state `s`. IPC_CALL
 * moves `op` from phase 'wait' (for room) to 'reply' once its message is
 * queued.
 */
function attempt(s: ModelState, pid: number, op: ParkedOp): Attempt {
  const [a0, a1, a2] = op.args;
  switch (op.nr) {
    case NR.IPC_SEND:
      return ports.sendAttempt(s, pid, a0, a1, false);
    case NR.IPC_CALL: {
      if (op.phase === 'wait') {
        const token = ports.sendAttempt(s, pid, a0, a1, true);
        if (token === BLOCK || token < 0) return token;
        op.phase = 'reply';
        op.token = token;
      }
      return ports.takeReplyAttempt(s, pid, op.token, intArg(a1));
    }
    case NR.IPC_RECV:
      return ports.receiveAttempt(s, pid, a0, a1, true);
    case NR.CHAN_SEND:
      return channels.channelSendAttempt(s, pid, a0, a1);
    case NR.CHAN_RECV:
      return channels.channelReceiveAttempt(s, pid, a0, a1, true);
    case NR.SEM_WAIT:
      return semaphores.semaphoreTakeAttempt(s, pid, a0, true);
    case NR.HANDLE_WAIT:
      return waitAttempt(s, pid, a0, a1, a2);
    case PAGE_NR.TAKE:
      return pages.takeAttempt(s, pid, a0, a1);
    case ROU_NR.RECEIVE_DATA:
      return mailbox.receiveAttempt(s, pid, a0, a1);
  }
  throw new Error(`model: ${op.nr} does not block`);
}

/** What a parked `op` of `pid` waits on. */
function waitKeyOf(s: ModelState, pid: number, op: ParkedOp): string {
  if (op.nr === NR.IPC_CALL && op.phase === 'reply') return callKey(op.token);
  if (op.nr === PAGE_NR.TAKE) return pageKey(pid);
  if (op.nr === ROU_NR.RECEIVE_DATA) return mailKey(pid);
  const node = lookup(s, pid, intArg(op.args[0]), 0);
  if (typeof node === 'number') throw new Error(`model: parked on a handle that is not there (${op.nr})`);
  return objectKey(node.objectId);
}

/** Whether syscall `nr` of task `pid` with `args` may block (is tried as an attempt). */
function mayBlock(s: ModelState, pid: number, nr: number, args: unknown[]): boolean {
  if (nr === PAGE_NR.TAKE) return pages.takeTimeout(args[1]) !== 0;
  if (s.tasks[pid]!.personality === 'rou2exos') return nr === ROU_NR.RECEIVE_DATA && mailbox.receiveMode(args[0]) !== 0;
  // HANDLE_WAIT with timeout 0 is a poll: it never parks.
  return BLOCKING.has(nr) && !(nr === NR.HANDLE_WAIT && intArg(args[1]) === 0);
}

/** A page IPC syscall (every personality) that never blocks, or undefined for another number. */
function pageSyscall(s: ModelState, pid: number, nr: number, args: unknown[]): number | undefined {
  const [a0, a1, a2, a3, a4] = args;
  switch (nr) {
    case PAGE_NR.ALLOC:
      return pages.alloc(s, pid, a0);
    case PAGE_NR.FREE:
      return pages.free(s, pid, a0, a1);
    case PAGE_NR.SEND:
      return pages.send(s, pid, a0, a1, a2, a3, a4);
    case PAGE_NR.REGISTER_HANDLER:
      return pages.register(s, pid, a0);
    case PAGE_NR.UNREGISTER_HANDLER:
      return pages.unregister(s, pid, a0);
    case PAGE_NR.TAKE:
      return pages.takeAttempt(s, pid, a0, a1) as number;
    case PAGE_NR.ACCEPT:
      return pages.decide(s, pid, a0, false);
    case PAGE_NR.ABANDON:
      return pages.decide(s, pid, a0, true);
    case PAGE_NR.READ:
      return pages.read(s, pid, a0, a1, a2);
    case PAGE_NR.WRITE:
      return pages.write(s, pid, a0, a1, a2);
  }
  return undefined;
}

/** A rou2exOS syscall that never blocks (the pipe and net_register are not modelled). */
function rou2exosImmediate(s: ModelState, pid: number, nr: number, args: unknown[]): number {
  const [a0, a1, a2] = args;
  switch (nr) {
    case ROU_NR.SEND_DATA:
      return mailbox.sendData(s, pid, a0, a1, a2);
    case ROU_NR.RECEIVE_DATA:
      return mailbox.receiveAttempt(s, pid, a0, a1) as number;
    case ROU_NR.PIPE:
    case ROU_NR.NET_REGISTER:
      throw new Error(`model: rou2exOS syscall ${nr} is not modelled`);
  }
  return -E.ENOSYS;
}

/** A syscall that never blocks. */
function immediate(s: ModelState, pid: number, nr: number, args: unknown[]): number {
  const paged = pageSyscall(s, pid, nr, args);
  if (paged !== undefined) return paged;
  if (s.tasks[pid]!.personality === 'rou2exos') return rou2exosImmediate(s, pid, nr, args);
  const [a0, a1, a2] = args;
  switch (nr) {
    case NR.HANDLE_DUPLICATE:
      return handles.duplicate(s, pid, intArg(a0));
    case NR.HANDLE_CLOSE:
      return handles.close(s, pid, intArg(a0));
    case NR.HANDLE_GRANT:
      return handles.grant(s, pid, intArg(a0), intArg(a1));
    case NR.HANDLE_REVOKE:
      return handles.revoke(s, pid, intArg(a0));
    case NR.HANDLE_INFO:
      return handles.info(s, pid, intArg(a0), intArg(a1));
    case NR.HANDLE_WAIT:
      return waitAttempt(s, pid, a0, a1, a2) as number;
    case NR.IPC_CREATE_PORT:
      return ports.createPort(s, pid, a0);
    case NR.IPC_REPLY:
      return ports.reply(s, pid, a0);
    case NR.IPC_BIND_PORT:
      return names.bind(s, pid, a0, a1, a2);
    case NR.IPC_UNBIND_PORT:
      return names.unbind(s, pid, a0, a1);
    case NR.IPC_TRY_RECV:
      return ports.receiveAttempt(s, pid, a0, a1, false) as number;
    case NR.IPC_CONNECT:
      return names.connect(s, pid, a0, a1);
    case NR.IPC_RING_CREATE:
      return rings.createRing(s, pid, a0);
    case NR.IPC_RING_MAP:
      return rings.mapRing(s, pid, a0, a1);
    case NR.CHAN_CREATE:
      return channels.createChannel(s, pid, a0);
    case NR.CHAN_TRY_RECV:
      return channels.channelReceiveAttempt(s, pid, a0, a1, false) as number;
    case NR.CHAN_CLOSE:
      return handles.close(s, pid, intArg(a0), 'channel');
    case NR.SEM_CREATE:
      return semaphores.createSemaphore(s, pid, a0);
    case NR.SEM_TRYWAIT:
      return semaphores.semaphoreTakeAttempt(s, pid, a0, false) as number;
    case NR.SEM_POST:
      return semaphores.semaphorePost(s, pid, a0);
    case NR.SEM_CLOSE:
      return handles.close(s, pid, intArg(a0), 'semaphore');
  }
  return -E.ENOSYS;
}

export class KernelModel {
  state: ModelState;

  /** Tasks `pids`, in the order they were spawned; a rou2exOS one gets its mailbox at spawn. */
  constructor(limits: ModelLimits, pids: number[], personalities: Record<number, 'strat9' | 'rou2exos'> = {}) {
    this.state = initialState(limits, pids, personalities);
    for (const pid of pids) if (personalities[pid] === 'rou2exos' && mailbox.ensureMailbox(this.state, pid) < 0) throw new Error('model: no room for a mailbox at spawn');
  }

  /** The task's mirrored user memory (the test writes into it what it writes into the real task's). */
  memory(pid: number): Uint8Array {
    return this.state.tasks[pid]!.mem;
  }

  /** Whether `pid` is parked in a syscall, and on what: 'reply' for a call waiting for its answer. */
  parkedOn(pid: number): 'reply' | 'other' | undefined {
    const op = this.state.tasks[pid]!.parked;
    if (op === null) return undefined;
    return op.nr === NR.IPC_CALL && op.phase === 'reply' ? 'reply' : 'other';
  }

  /** Task `pid` (not parked) issues syscall `nr` with `args`, exactly as passed to the kernel. */
  syscall(pid: number, nr: number, args: unknown[]): Outcome {
    const s = this.state;
    const task = s.tasks[pid]!;
    if (task.parked !== null) throw new Error(`model: task ${pid} is parked`);
    if (!mayBlock(s, pid, nr, args)) {
      const r = immediate(s, pid, nr, args);
      this.markTouched();
      return { done: true, r };
    }
    const op: ParkedOp = { nr, args, phase: 'wait', token: 0, waitKey: '', dirty: false };
    const r = attempt(s, pid, op);
    this.markTouched();
    if (r !== BLOCK) return { done: true, r };
    op.waitKey = waitKeyOf(s, pid, op);
    task.parked = op;
    return { done: false };
  }

  /**
   * The parked syscalls that would get further if they looked now (each on
   * its own: when several compete for one message or unit, only the first
   * to go gets it). Those that would park again are taken as having looked.
   */
  wakeable(): Wake[] {
    this.markTouched();
    const out: Wake[] = [];
    for (const task of Object.values(this.state.tasks)) {
      const op = task.parked;
      if (op === null || !op.dirty) continue;
      const probe = structuredClone(this.state);
      const probeOp = structuredClone(op);
      const r = attempt(probe, task.pid, probeOp);
      if (r !== BLOCK) out.push({ pid: task.pid, does: 'complete' });
      else if (probeOp.phase !== op.phase) out.push({ pid: task.pid, does: 'queue-call' });
      else op.dirty = false;
    }
    return out;
  }

  /** Lets parked task `pid` look again (it must be wakeable); returns as {@link syscall} does. */
  resume(pid: number): Outcome {
    const s = this.state;
    const task = s.tasks[pid]!;
    const op = task.parked;
    if (op === null) throw new Error(`model: task ${pid} is not parked`);
    const r = attempt(s, pid, op);
    if (r !== BLOCK) {
      task.parked = null;
      this.markTouched();
      return { done: true, r };
    }
    op.waitKey = waitKeyOf(s, pid, op);
    op.dirty = false;
    this.markTouched();
    return { done: false };
  }

  /**
   * Task `pid` (not parked: it has no call of its own in flight) dies
   * (docs/tasks.md, "Death cleanup"; docs/objects/pages.md): calls it
   * received and did not answer get an EPIPE reply from it; its handles
   * are released (ports it owns are destroyed, objects left without
   * handles freed); its bindings, mailbox and page IPC state go
   * (deliveries pending to it dropped, what it sent stays pending); it is
   * no target any more.
   */
  kill(pid: number): void {
    const s = this.state;
    const task = s.tasks[pid]!;
    if (task.parked !== null) throw new Error(`model: task ${pid} dies parked`);
    task.alive = false;
    for (const call of Object.values(s.calls)) {
      if (call.server !== pid || call.state !== 'received') continue;
      call.state = 'replied';
      call.reply = ports.errorReply(pid, E.EPIPE);
      call.status = E.EPIPE;
      touch(s, callKey(call.token));
    }
    for (const node of s.nodes.filter((n) => n.pid === pid).sort((a, b) => a.value - b.value)) if (s.nodes.some((n) => n.id === node.id)) release(s, node.id);
    s.bindings = s.bindings.filter((b) => b.binder !== pid);
    mailbox.releaseMailbox(s, pid);
    pages.releaseTask(s, pid);
    this.markTouched();
  }

  /** Pool pages in use and delivery records in use, as kernel.usage() counts them. */
  usage(): { pages: number; deliveries: number } {
    const s = this.state;
    return { pages: s.pool.filter(Boolean).length, deliveries: s.deliveries.filter((d) => d !== null).length };
  }

  /** Marks the parked syscalls whose wait key changed, and forgets the changes. */
  private markTouched(): void {
    const s = this.state;
    for (const task of Object.values(s.tasks)) if (task.parked !== null && s.touched.includes(task.parked.waitKey)) task.parked.dirty = true;
    s.touched = [];
  }
}
