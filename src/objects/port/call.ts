/**
 * Synchronous call and reply (Strat9's `ipc/reply`), with its bugs fixed.
 *
 * Every call gets a call slot and a token: the caller's next call sequence
 * number (u32, never 0), which rides in the high word of the message's
 * `sender` field, so a server that answers by sending the request back with
 * a new payload names exactly that call, and a task may have any number of
 * calls in flight. The caller's call table maps the token to the call slot
 * (call tables, layout.ts). A token names one call of its caller until that
 * caller has made 2^32 more calls: a server replying with a request it kept
 * from an earlier call is refused (EPERM). Receiving a call gives the
 * receiver a one-shot right to reply to it; nobody else can. Only callers
 * ever get replies: a plain send that fails is reported to its sender by the
 * send itself, never as a stale reply to a later call.
 */
import * as L from '../../core/layout.js';
import { ENOMEM, EPERM, EPIPE, EFAULT, EBADF } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, copyIn, copyOut, inBounds, readI32 } from '../../core/copy.js';
import { lookupHandle, installHandle, objectOfEntry, releaseEntry, transferParent } from '../../core/handles.js';
import { liveSlotOf } from '../../core/task-table.js';
import { charge, creditPid } from '../../core/quota.js';
import { compactRing, lockQueue, unlockQueue, withQueueRetry } from '../../core/queue.js';

/**
 * Takes a call slot for a call from task `ctx`: the one it keeps from its
 * last call if it still has it, else one from the free list, else one
 * another task keeps. A slot off the free list is charged to the caller's
 * calls quota until freed (docs/quotas.md). Kernel lock held. Slot index,
 * -ENOMEM, or -EDQUOT (the caller fails the critical section).
 */
export function allocCall(r: Region, ctx: TaskContext): number {
  const w = r.w;
  // Every entry of its call table may hold a call in flight (a caller with
  // CALL_TABLE_ENTRIES_MAX calls).
  const token = nextToken(r, ctx.slot, ctx.pid);
  if (token === 0) return -ENOMEM;
  let cs = ctx.cachedCall;
  if (cs >= 0 && (w[r.call(cs) + L.C_STATE] !== L.CALL_CACHED || w[r.call(cs) + L.C_CALLER] !== ctx.pid)) cs = -1;
  if (cs < 0) {
    cs = w[L.H_CALL_FREE]!;
    if (cs < 0) cs = stealCachedCall(r);
    if (cs < 0) return -ENOMEM;
    const refused = charge(r, ctx.slot, L.QUOTA_CALLS, 1);
    if (refused < 0) return refused;
    r.set(L.H_CALL_FREE, w[r.call(cs) + L.C_NEXT_FREE]!);
    r.add(L.H_CALLS_USED, 1);
  }
  const c = r.call(cs);
  r.set(c + L.C_TOKEN, token);
  // Not logged: an entry left by a rolled-back call names a slot whose
  // token is no longer this one, which lookups and nextToken both check.
  w[r.callTableEntry(ctx.slot, token)] = cs + 1;
  r.set(c + L.C_CALLER, ctx.pid);
  r.set(c + L.C_SERVER, 0);
  r.set(c + L.C_PORT, -1);
  r.set(c + L.C_MESSAGE, -1);
  r.set(c + L.C_REPLY_STATUS, 0);
  r.set(c + L.C_STATE, L.CALL_QUEUED);
  return cs;
}

/**
 * The token for the next call of task `slot` (pid `pid`): the one after its
 * last, skipping 0 and tokens whose call-table entry still holds a call of
 * its in flight. Records it as the last. 0 when every entry is taken. Lock held.
 */
function nextToken(r: Region, slot: number, pid: number): number {
  const w = r.w;
  const seq = r.task(slot) + L.T_CALL_SEQ;
  let token = w[seq]!;
  for (let tries = 0; tries <= r.callTableMask + 1; tries++) {
    token = (token + 1) | 0;
    if (token === 0 || entryTaken(r, w[r.callTableEntry(slot, token)]! - 1, pid, token)) continue;
    // Not logged: a token skipped because its call was rolled back is never missed.
    w[seq] = token;
    return token;
  }
  return 0;
}

/**
 * Whether the call-table entry for `token`, which names call slot `cs`
 * (-1: none), is taken: that slot holds a call of task `pid` not yet taken
 * back, whose token has this entry. (An entry may still name a slot that
 * has since gone to another call of the same task, under another entry.)
 */
function entryTaken(r: Region, cs: number, pid: number, token: number): boolean {
  if (cs < 0) return false;
  const c = r.call(cs);
  const state = r.w[c + L.C_STATE];
  if (r.w[c + L.C_CALLER] !== pid || state === L.CALL_FREE || state === L.CALL_CACHED) return false;
  return ((r.w[c + L.C_TOKEN]! ^ token) & r.callTableMask) === 0;
}

/** Frees a slot some task keeps, onto the free list, and returns its index; -1 if none. Kernel lock held. */
function stealCachedCall(r: Region): number {
  for (let cs = 0; cs < r.maxCalls; cs++) {
    const c = r.call(cs);
    if (r.w[c + L.C_STATE] !== L.CALL_CACHED) continue;
    freeCall(r, cs);
    return cs;
  }
  return -1;
}

/**
 * Returns a call slot to the pool; its token stops working. Lock held.
 * H_CALLS_USED counts the slots off the free list: calls in flight, and
 * slots kept by their last caller (CALL_CACHED).
 */
export function freeCall(r: Region, cs: number): void {
  const c = r.call(cs);
  r.set(c + L.C_STATE, L.CALL_FREE);
  r.set(c + L.C_NEXT_FREE, r.w[L.H_CALL_FREE]!);
  r.set(L.H_CALL_FREE, cs);
  r.add(L.H_CALLS_USED, -1);
  creditPid(r, r.w[c + L.C_CALLER]!, L.QUOTA_CALLS, 1);
}

/** The token of call slot `cs`, as carried in the high word of `sender`. */
export function callToken(r: Region, cs: number): number {
  return r.w[r.call(cs) + L.C_TOKEN]!;
}

/**
 * The call slot of task `callerPid`'s call with `token` (both as read from a
 * message), if that call is still the one there; else -1. Lock not required:
 * the caller checks the slot's state before trusting it.
 */
function callOfToken(r: Region, callerPid: number, token: number): number {
  if (token === 0 || !(callerPid > 0)) return -1;
  const callerSlot = (callerPid - 1) & (L.PID_SLOT_STRIDE - 1);
  if (callerSlot >= r.maxTasks) return -1;
  const cs = r.w[r.callTableEntry(callerSlot, token)]! - 1;
  if (cs < 0) return -1;
  const c = r.call(cs);
  return r.w[c + L.C_TOKEN] === token && r.w[c + L.C_CALLER] === callerPid ? cs : -1;
}

/**
 * Answers call `cs` on the kernel's behalf with an error reply
 * (msg_type 0x80, payload[0..4] = errno) from `fromPid`, and wakes the
 * caller. Lock held.
 */
export function failCall(r: Region, cs: number, fromPid: number, errno: number): void {
  const c = r.call(cs);
  const reply = c + L.C_REPLY;
  for (let i = 0; i < L.MESSAGE_WORDS; i++) r.w[reply + i] = 0;
  r.w[reply + (L.MSG_SENDER >> 2)] = fromPid;
  r.w[reply + (L.MSG_TYPE >> 2)] = L.MSG_TYPE_REPLY;
  r.w[reply + (L.MSG_PAYLOAD >> 2)] = errno;
  r.set(c + L.C_REPLY_STATUS, errno);
  r.set(c + L.C_MESSAGE, -1);
  r.setFutex(c + L.C_STATE, L.CALL_REPLIED);
  r.add(L.H_STAT_EPIPE_REPLIES, 1);
  r.wakeIfWaiting(c + L.C_STATE, c + L.C_WAITERS, 1);
}

/**
 * Checks on call `cs` of the caller `ctx`: when answered, copies the reply to
 * `dst` at `offset`, keeps or frees the slot and returns 0, or -EPIPE when the kernel
 * answered because the server or port died. Otherwise records the wait and
 * returns WOULD_BLOCK. Takes the lock only when there is a reply to take.
 */
export function takeReply(ctx: TaskContext, cs: number, dst: MessageMemory, offset: number): number {
  const r = ctx.r;
  const c = r.call(cs);
  const state = Atomics.load(r.w, c + L.C_STATE);
  if (state !== L.CALL_REPLIED) {
    // Wait on the state just checked: a reply landing now changes the word
    // and the park returns at once.
    return ctx.blockOnValue(c + L.C_STATE, state, c + L.C_WAITERS, r.w[c + L.C_PORT]! + 1, L.EVENT_REPLY);
  }
  // Nobody but this caller touches a replied call: no lock needed to read it.
  copyOut(r.w, r.bytes, c + L.C_REPLY, dst, offset);
  const status = r.w[c + L.C_REPLY_STATUS]!;
  if (ctx.cachedCall < 0 || ctx.cachedCall === cs) {
    // Keep it for the next call; a death here leaves it REPLIED, which the reaper frees.
    Atomics.store(r.w, c + L.C_STATE, L.CALL_CACHED);
    ctx.cachedCall = cs;
  } else {
    r.lock();
    freeCall(r, cs);
    r.unlock();
  }
  return status === 0 ? 0 : -status;
}

/**
 * The caller gives up on call `cs` (deadline, abort). A call still queued is
 * taken back out of its queue as if never sent; a received one is marked
 * abandoned and the server's reply will be dropped. Returns true when the
 * reply had already arrived: the caller should take it instead.
 */
export function cancelCall(ctx: TaskContext, cs: number): boolean {
  return withQueueRetry(ctx.r, cancelOnce, ctx, cs, 0, 0, 0) === 1;
}

function cancelOnce(ctx: TaskContext, cs: number): number {
  const r = ctx.r;
  const c = r.call(cs);
  r.lock();
  const state = r.w[c + L.C_STATE]!;
  if (state === L.CALL_REPLIED) {
    r.unlock();
    return 1;
  }
  if (state === L.CALL_QUEUED) withdrawQueuedCall(r, cs);
  else if (!r.casLogged(c + L.C_STATE, L.CALL_RECEIVED, L.CALL_ABANDONED)) {
    // The server's lock-free reply landed in between: take it.
    r.unlock();
    return 1;
  }
  r.unlock();
  return 0;
}

/**
 * Takes a still-queued call back out of its port's queue, as if it had never
 * been sent (its handle in flight is released), and frees the call slot.
 * Kernel lock held; takes the port's queue locks (in the supervisor this may
 * throw QueueLockBusy, and the reap is retried).
 */
export function withdrawQueuedCall(r: Region, cs: number): void {
  withdrawFromPort(r, cs, 0);
  freeCall(r, cs);
}

/**
 * Withdraws, in one pass over the queue of the port that queued call `cs`
 * sits on, every call that dead task `callerPid` still has queued there,
 * and frees their slots (`cs` among them). Kernel lock held; takes the
 * port's queue locks (QueueLockBusy as for {@link withdrawQueuedCall}).
 */
export function withdrawCallsOf(r: Region, cs: number, callerPid: number): void {
  if (!withdrawFromPort(r, cs, callerPid)) freeCall(r, cs);
}

/**
 * Removes call `cs` from its port's queue, or with `callerPid` every queued
 * call of that task there, freeing the slots of those it removes. Returns
 * whether `cs` was among them (it is not when it was detached from its
 * message: a sender that died before publishing it).
 */
function withdrawFromPort(r: Region, cs: number, callerPid: number): boolean {
  const w = r.w;
  const c = r.call(cs);
  const port = w[c + L.C_PORT]!;
  if (port < 0 || w[c + L.C_MESSAGE]! < 0) return false;
  const o = r.object(port);
  lockQueue(r, o, L.O_SEND_LOCK);
  lockQueue(r, o, L.O_RECV_LOCK);
  // Read only now: taking a lock from a dead sender may have detached the call.
  const m = w[c + L.C_MESSAGE]!;
  let found = false;
  if (m >= 0) {
    const ring = w[o + L.O_RING]!;
    const from = callerPid === 0 ? m - ring : w[o + L.O_HEAD]!;
    compactRing(r, o, from, (at) => {
      const call = w[at + L.M_CALL]! - 1;
      if (call < 0) return false;
      if (call === cs) return (found = true);
      if (callerPid === 0) return false;
      const other = r.call(call);
      if (w[other + L.C_CALLER] !== callerPid || w[other + L.C_STATE] !== L.CALL_QUEUED) return false;
      freeCall(r, call);
      return true;
    });
  }
  unlockQueue(r, o, L.O_RECV_LOCK);
  unlockQueue(r, o, L.O_SEND_LOCK);
  if (found && callerPid !== 0) freeCall(r, cs);
  return found && callerPid !== 0;
}

/**
 * IPC_REPLY: answers the call named by the message's `sender` field exactly
 * as it was received: the caller's pid in the low word and the call's token
 * in the high word. (Strat9 matched on the pid alone, so a reply meant for a
 * plain message could land in another call of the same task; here a token of
 * 0 names no call.) The reply right is one-shot.
 *
 * Errors: EFAULT the message is outside `src`; EPERM this task holds no reply
 * right for that call; EBADF/EPERM a handle to transfer (flags) that is not
 * one of this task's or lacks grant; ENOSPC the caller's handle table is full,
 * EDQUOT its handles quota is reached (nothing sent, the right is kept); EPIPE the caller gave up or died (the
 * right is used up).
 */
export function reply(ctx: TaskContext, src: MessageMemory, offset: number): number {
  if (!inBounds(src, offset, L.MESSAGE_BYTES)) return -EFAULT;
  const r = ctx.r;
  const w = r.w;
  // The header words of the reply, read before the lock (they are the caller's own memory).
  const callerPid = readI32(src, offset + L.MSG_SENDER);
  const token = readI32(src, offset + L.MSG_SENDER + 4);
  const xferHandle = readI32(src, offset + L.MSG_FLAGS);
  if (xferHandle === 0 && replyWithoutLock(ctx, src, offset, callerPid, token)) return 0;
  r.lock();
  let cs = callOfToken(r, callerPid, token);
  if (cs >= 0) {
    const c = r.call(cs);
    const state = w[c + L.C_STATE];
    if ((state !== L.CALL_RECEIVED && state !== L.CALL_ABANDONED) || w[c + L.C_SERVER] !== ctx.pid || w[c + L.C_CALLER] !== callerPid) cs = -1;
  }
  if (cs < 0) {
    r.unlock();
    return -EPERM;
  }
  const c = r.call(cs);
  let xe = 0;
  if (xferHandle !== 0) {
    xe = lookupHandle(r, ctx.slot, xferHandle, L.RIGHT_GRANT);
    if (xe < 0) {
      r.unlock();
      return xe === -EBADF ? -EBADF : -EPERM;
    }
  }
  if (w[c + L.C_STATE] === L.CALL_ABANDONED) {
    freeCall(r, cs);
    r.unlock();
    return -EPIPE;
  }
  let installed = 0;
  if (xe !== 0) {
    const callerSlot = liveSlotOf(r, callerPid);
    const parent = transferParent(r, xe);
    installed = callerSlot < 0 ? 0 : installHandle(r, callerSlot, objectOfEntry(r, xe), w[xe + L.HD_RIGHTS]!, parent);
    if (installed < 0) {
      r.unlock();
      return installed;
    }
    // An object that moves (a buffer) leaves the server with the reply.
    if (parent !== xe) releaseEntry(r, ctx.slot, xe);
  }
  const replyAt = c + L.C_REPLY;
  copyIn(w, r.bytes, replyAt, src, offset);
  w[replyAt + (L.MSG_SENDER >> 2)] = ctx.pid;
  w[replyAt + (L.MSG_SENDER >> 2) + 1] = 0;
  w[replyAt + (L.MSG_FLAGS >> 2)] = installed;
  r.set(c + L.C_REPLY_STATUS, 0);
  r.setFutex(c + L.C_STATE, L.CALL_REPLIED);
  w[ctx.record + L.T_REPLIES] += 1;
  r.wakeIfWaiting(c + L.C_STATE, c + L.C_WAITERS, 1);
  r.unlock();
  return 0;
}


/**
 * The common reply, with no handle to transfer, without the kernel lock.
 * Only the holder of the reply right writes a received call, and the slot
 * cannot be freed or reused while the right is held, so the reply is written
 * in place and committed by one compare-and-swap RECEIVED -> REPLIED. If the
 * caller gave up in between (ABANDONED) the swap fails and the locked path
 * decides. Returns true when the reply is delivered.
 */
function replyWithoutLock(ctx: TaskContext, src: MessageMemory, offset: number, callerPid: number, token: number): boolean {
  const r = ctx.r;
  const w = r.w;
  const cs = callOfToken(r, callerPid, token);
  if (cs < 0) return false;
  const c = r.call(cs);
  if (Atomics.load(w, c + L.C_STATE) !== L.CALL_RECEIVED || w[c + L.C_SERVER] !== ctx.pid || w[c + L.C_CALLER] !== callerPid) return false;
  const replyAt = c + L.C_REPLY;
  copyIn(w, r.bytes, replyAt, src, offset);
  w[replyAt + (L.MSG_SENDER >> 2)] = ctx.pid;
  w[replyAt + (L.MSG_SENDER >> 2) + 1] = 0;
  w[replyAt + (L.MSG_FLAGS >> 2)] = 0;
  w[c + L.C_REPLY_STATUS] = 0;
  if (Atomics.compareExchange(w, c + L.C_STATE, L.CALL_RECEIVED, L.CALL_REPLIED) !== L.CALL_RECEIVED) return false;
  r.wakeIfWaiting(c + L.C_STATE, c + L.C_WAITERS, 1);
  w[ctx.record + L.T_REPLIES] += 1;
  return true;
}
