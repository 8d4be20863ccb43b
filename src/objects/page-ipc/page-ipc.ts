/**
 * Page IPC (docs/objects/pages.md, the forum design): one IPC whose unit is the
 * 4 KiB page. A task allocates pages in its page space, and sends runs of
 * them to other tasks, which get them through a handler per message type,
 * run like a signal on their event loop.
 *
 * A send moves the pages (the sender's mappings go at once), shares them
 * (bit 0: the sender keeps its access; sender and receivers see each
 * other's writes) or duplicates them (bit 2: each receiver gets a copy);
 * the receiver may write them when bit 1 is set. Bits 3-4 pick the
 * targets: a pid, the sender itself, every live task, or every other one.
 * Each target gets a delivery record holding the frames (so a sender's
 * death cancels nothing); the receiver takes it (its pages are then mapped
 * at a free range of its space) and accepts it (they stay) or abandons it
 * (they go). Until then the pages count against the sender's in-flight
 * quota. Every change is one critical section under the kernel lock.
 */
import * as L from '../../core/layout.js';
import { EAGAIN, EEXIST, EFAULT, EINVAL, ENOENT, ENOMEM, ENOSPC, ESRCH } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, inBounds } from '../../core/copy.js';
import { liveSlotOf } from '../../core/task-table.js';
import { quotaRoom } from '../../core/quota.js';
import {
  allocFrames,
  contiguousOffset,
  findFreeRange,
  frameAt,
  holdRuns,
  holdsRange,
  listRuns,
  mapRun,
  mapRuns,
  settleTagged,
  unmapAll,
  unmapRange,
  vpnOf,
} from '../../core/page-space.js';

/** Bytes PAGE_TAKE writes: delivery id, sender pid, type, address, page count, flags (u32 each). */
export const DELIVERY_INFO_BYTES = 24;

// --- allocating and freeing ------------------------------------------------

/**
 * PAGE_ALLOC: maps `npages` fresh zeroed pages, read/write, at a free range
 * of the caller's page space; returns its address.
 * Errors: EINVAL `npages` not in 1..pageSpace; ENOMEM no free range that
 * long in the caller's space, or not that many consecutive free frames.
 */
export function pageAlloc(ctx: TaskContext, npages: number): number {
  const r = ctx.r;
  if (!Number.isInteger(npages) || npages < 1 || npages > r.pageSpace) return -EINVAL;
  r.lock();
  const vpn = findFreeRange(r, ctx.slot, npages);
  if (vpn < 0) return r.fail(vpn);
  const first = allocFrames(r, npages);
  if (first < 0) return r.fail(first);
  mapRun(r, ctx.slot, vpn, first, npages, L.PAGE_READ | L.PAGE_WRITE);
  return r.unlockWith(vpn * L.PAGE_BYTES);
}

/**
 * Checks a range argument: the first virtual page of `npages` pages at
 * `addr`, or -EINVAL (zero pages, not aligned) / -EFAULT (past the space).
 */
function rangeOf(r: Region, addr: number, npages: number): number {
  if (!Number.isInteger(npages) || npages < 1) return -EINVAL;
  const vpn = vpnOf(r, addr);
  if (vpn < 0) return vpn;
  return vpn + npages <= r.pageSpace ? vpn : -EFAULT;
}

/**
 * PAGE_FREE: unmaps `npages` pages at `addr` of the caller's space; frames
 * nobody else holds go back to the pool. Returns 0.
 * Errors: EINVAL zero pages or `addr` not page-aligned; EFAULT a page of
 * the range is not mapped (nothing is unmapped).
 */
export function pageFree(ctx: TaskContext, addr: number, npages: number): number {
  const r = ctx.r;
  const vpn = rangeOf(r, addr, npages);
  if (vpn < 0) return vpn;
  r.lock();
  if (!holdsRange(r, ctx.slot, vpn, npages, 0)) return r.fail(-EFAULT);
  unmapRange(r, ctx.slot, vpn, npages);
  return r.unlockWith(0);
}

// --- handlers ----------------------------------------------------------------

/** The handler-table word of `type` for task `slot`, or -1. */
function handlerSlotOf(r: Region, slot: number, type: number): number {
  const table = r.handlerTable(slot);
  for (let i = 0; i < L.HANDLER_SLOTS; i++) if (r.w[table + i] === type + 1) return table + i;
  return -1;
}

function isType(type: number): boolean {
  return Number.isInteger(type) && type >= 0 && type < 0x7fffffff;
}

/**
 * PAGE_REGISTER_HANDLER: declares that the caller handles deliveries of
 * `type` (the typed API attaches the function). Returns 0.
 * Errors: EINVAL `type` not in 0..2^31-2; EEXIST already registered;
 * ENOSPC HANDLER_SLOTS types registered already.
 */
export function registerHandler(ctx: TaskContext, type: number): number {
  if (!isType(type)) return -EINVAL;
  const r = ctx.r;
  r.lock();
  if (handlerSlotOf(r, ctx.slot, type) >= 0) return r.fail(-EEXIST);
  const free = handlerSlotOf(r, ctx.slot, -1);
  if (free < 0) return r.fail(-ENOSPC);
  r.set(free, type + 1);
  return r.unlockWith(0);
}

/**
 * PAGE_UNREGISTER_HANDLER: the caller no longer handles `type`; later sends
 * of it to the caller get ENOENT (deliveries already pending stay). Returns
 * 0. Errors: EINVAL; ENOENT not registered.
 */
export function unregisterHandler(ctx: TaskContext, type: number): number {
  if (!isType(type)) return -EINVAL;
  const r = ctx.r;
  r.lock();
  const at = handlerSlotOf(r, ctx.slot, type);
  if (at < 0) return r.fail(-ENOENT);
  r.set(at, 0);
  return r.unlockWith(0);
}

// --- delivery lists ------------------------------------------------------------
// Free records chain from H_DELIVERY_FREE, a task's pending ones from its
// T_PENDING_FIRST to T_PENDING_LAST (oldest first), through D_NEXT; links
// are index + 1, 0 ending a list. Kernel lock held, every link logged.

/** Takes a free delivery record off the free list: its index, or -1 when none is free. */
function takeFreeDelivery(r: Region): number {
  const first = r.w[L.H_DELIVERY_FREE]!;
  if (first === 0) return -1;
  r.set(L.H_DELIVERY_FREE, r.w[r.delivery(first - 1) + L.D_NEXT]!);
  return first - 1;
}

/** Frees delivery record `index`, lifting its charge from its sender if that task still lives. */
function retire(r: Region, index: number): void {
  const d = r.delivery(index);
  const sender = liveSlotOf(r, r.w[d + L.D_SENDER]!);
  if (sender >= 0) {
    r.add(r.task(sender) + L.T_PAGES_IN_FLIGHT, -r.w[d + L.D_NPAGES]!);
    r.add(r.task(sender) + L.T_QUOTA_USED + L.QUOTA_DELIVERIES, -1);
  }
  r.set(d + L.D_STATE, L.DELIVERY_FREE);
  r.set(d + L.D_NEXT, r.w[L.H_DELIVERY_FREE]!);
  r.set(L.H_DELIVERY_FREE, index + 1);
  r.add(L.H_DELIVERIES_USED, -1);
}

/** Appends delivery record `index` to the pending list of task `slot`. */
function appendPending(r: Region, slot: number, index: number): void {
  const t = r.task(slot);
  r.set(r.delivery(index) + L.D_NEXT, 0);
  const last = r.w[t + L.T_PENDING_LAST]!;
  r.set(last === 0 ? t + L.T_PENDING_FIRST : r.delivery(last - 1) + L.D_NEXT, index + 1);
  r.set(t + L.T_PENDING_LAST, index + 1);
  r.add(t + L.T_PAGES_PENDING, 1);
}

/** Takes the oldest delivery pending to task `slot` off its list: its index, or -1 when none is. */
function takeFirstPending(r: Region, slot: number): number {
  const t = r.task(slot);
  const first = r.w[t + L.T_PENDING_FIRST]!;
  if (first === 0) return -1;
  const next = r.w[r.delivery(first - 1) + L.D_NEXT]!;
  r.set(t + L.T_PENDING_FIRST, next);
  if (next === 0) r.set(t + L.T_PENDING_LAST, 0);
  r.add(t + L.T_PAGES_PENDING, -1);
  return first - 1;
}

// --- sending -------------------------------------------------------------------

/** Slots of the live tasks a broadcast (`target`: SEND_TARGET_ALL or SEND_TARGET_OTHERS) goes to. */
function broadcastTargets(ctx: TaskContext, target: number): number[] {
  const r = ctx.r;
  const slots: number[] = [];
  for (let slot = 0; slot < r.maxTasks; slot++) {
    if (target === L.SEND_TARGET_OTHERS && slot === ctx.slot) continue;
    const state = r.w[r.task(slot) + L.T_STATE];
    if (state === L.TASK_RUNNING || state === L.TASK_STARTING) slots.push(slot);
  }
  return slots;
}

/**
 * PAGE_SEND: sends `npages` pages at `addr` of the caller's space, as
 * message `type`, to the targets `flags` names (docs/syscalls/page_send.md). Returns
 * how many targets the pages went to. `results`, when given, receives a
 * [pid, 0 or errno] pair per target considered (a broadcast reports every
 * live task it considered; one failing target does not undo the others).
 *
 * Each delivered target is woken (its handlers run on its event loop). A
 * move unmaps the caller's pages once any target got them; a failed send
 * changes nothing.
 *
 * Errors (nothing sent): EINVAL reserved flag bits, zero pages, more than
 * MAX_SEND_PAGES, `addr` not page-aligned, `type` out of range; EFAULT a
 * page of the range is not mapped with the rights the send needs (read;
 * and write to let receivers write pages it shares or moves); ESRCH the
 * target pid is not a live task; EAGAIN the caller's in-flight pages would
 * pass the quota, or no delivery record is free; ENOENT (single target)
 * the target has no handler for `type`; ENOMEM (single target) no frames
 * for a duplicate. The caller's deliveries quota reached is EAGAIN too
 * (docs/quotas.md).
 */
export function pageSend(ctx: TaskContext, pid: number, type: number, addr: number, npages: number, flags: number, results?: number[]): number {
  const r = ctx.r;
  if (!Number.isInteger(flags) || flags < 0 || flags > L.SEND_FLAGS_MASK || !isType(type)) return -EINVAL;
  if (!Number.isInteger(npages) || npages > L.MAX_SEND_PAGES) return -EINVAL;
  const vpn = rangeOf(r, addr, npages);
  if (vpn < 0) return vpn;
  const duplicate = (flags & L.SEND_DUPLICATE) !== 0;
  const receiverWrites = (flags & L.SEND_RECEIVER_WRITES) !== 0;
  const needed = L.PAGE_READ | (receiverWrites && !duplicate ? L.PAGE_WRITE : 0);
  const move = !duplicate && (flags & L.SEND_KEEP) === 0;
  const target = (flags >> L.SEND_TARGET_SHIFT) & 3;
  r.lock();
  if (!holdsRange(r, ctx.slot, vpn, npages, needed)) return r.fail(-EFAULT);
  if (target === L.SEND_TARGET_ALL || target === L.SEND_TARGET_OTHERS) return broadcast(ctx, broadcastTargets(ctx, target), type, vpn, npages, flags, results);
  const slot = target === L.SEND_TARGET_SELF ? ctx.slot : liveSlotOf(r, pid);
  if (slot < 0) return r.fail(-ESRCH);
  if (handlerSlotOf(r, slot, type) < 0) return r.fail(-ENOENT);
  if (r.w[ctx.record + L.T_PAGES_IN_FLIGHT]! + npages > r.pageQuota) return r.fail(-EAGAIN);
  // A move's delivery takes over the sender's holds of the frames, and the sender's mappings go.
  const result = deliver(ctx, slot, type, vpn, npages, flags, move);
  if (result < 0) return r.fail(result);
  if (move) unmapRange(r, ctx.slot, vpn, npages, true);
  r.unlock();
  results?.push(r.w[r.task(slot) + L.T_PID]!, 0);
  r.bumpAndWake(r.task(slot) + L.T_PAGE_SEQ);
  return 1;
}

/**
 * PAGE_SEND to every task of `targets` (kernel lock held; released here):
 * the quota is checked for all the targets that handle `type` at once; a
 * target without a handler, or for which no record or (duplicate) no
 * frames are left, is left out and reported in `results`.
 */
function broadcast(ctx: TaskContext, targets: number[], type: number, vpn: number, npages: number, flags: number, results?: number[]): number {
  const r = ctx.r;
  const handling = targets.filter((slot) => handlerSlotOf(r, slot, type) >= 0);
  if (r.w[ctx.record + L.T_PAGES_IN_FLIGHT]! + npages * handling.length > r.pageQuota) return r.fail(-EAGAIN);
  const move = (flags & (L.SEND_DUPLICATE | L.SEND_KEEP)) === 0;
  let delivered = 0;
  const woken: number[] = [];
  for (const slot of targets) {
    // A move's first delivery takes over the sender's holds of the frames.
    const result = handlerSlotOf(r, slot, type) >= 0 ? deliver(ctx, slot, type, vpn, npages, flags, move && delivered === 0) : -ENOENT;
    if (result === 0) {
      delivered++;
      woken.push(slot);
    }
    results?.push(r.w[r.task(slot) + L.T_PID]!, result === 0 ? 0 : -result);
  }
  // A move: the sender's mappings go, their holds now the first delivery's.
  if (delivered > 0 && move) unmapRange(r, ctx.slot, vpn, npages, true);
  r.unlock();
  for (const slot of woken) r.bumpAndWake(r.task(slot) + L.T_PAGE_SEQ);
  return delivered;
}

/**
 * Makes one delivery to task `slot` (kernel lock held): a record holding
 * the frames (the sender's, or fresh copies for a duplicate), charged to
 * the sender, appended to the target's pending list. With `takeOverHolds`
 * the record takes over the sender's holds instead of adding its own (a
 * move's first delivery). The delivery counts against the sender's
 * deliveries quota until retired. 0, -EAGAIN no record free or the quota
 * reached, -ENOMEM no frames for a copy; a failed delivery
 * changes nothing.
 */
function deliver(ctx: TaskContext, slot: number, type: number, vpn: number, npages: number, flags: number, takeOverHolds: boolean): number {
  const r = ctx.r;
  const w = r.w;
  if (w[L.H_DELIVERY_FREE] === 0) return -EAGAIN;
  const refused = quotaRoom(r, ctx.slot, L.QUOTA_DELIVERIES, 1);
  if (refused < 0) return refused;
  const copy = (flags & L.SEND_DUPLICATE) !== 0 ? allocFrames(r, npages, false) : -1;
  if (copy === -ENOMEM) return copy;
  const index = takeFreeDelivery(r);
  const d = r.delivery(index);
  // The record is free until its state is published (a logged store): its frames need no undo.
  if (copy >= 0) {
    copyPagesTo(r, ctx.slot, vpn, copy, npages);
    w[d + L.D_RUNS] = 1;
    w[d + L.D_RUN_LIST] = copy + 1;
    w[d + L.D_RUN_LIST + 1] = npages;
  } else {
    w[d + L.D_RUNS] = listRuns(r, ctx.slot, vpn, npages, d + L.D_RUN_LIST);
    if (!takeOverHolds) holdRuns(r, d + L.D_RUN_LIST, w[d + L.D_RUNS]!, true);
  }
  const seq = w[L.H_DELIVERY_SEQ]!;
  r.set(L.H_DELIVERY_SEQ, (seq + 1) & 0x7fffffff);
  w[d + L.D_SEQ] = seq;
  w[d + L.D_SENDER] = ctx.pid;
  w[d + L.D_RECEIVER] = w[r.task(slot) + L.T_PID]!;
  w[d + L.D_TYPE] = type;
  w[d + L.D_NPAGES] = npages;
  w[d + L.D_FLAGS] = flags;
  w[d + L.D_ADDR] = -1;
  r.set(d + L.D_STATE, L.DELIVERY_PENDING);
  appendPending(r, slot, index);
  r.add(r.task(ctx.slot) + L.T_PAGES_IN_FLIGHT, npages);
  r.add(r.task(ctx.slot) + L.T_QUOTA_USED + L.QUOTA_DELIVERIES, 1);
  r.add(L.H_DELIVERIES_USED, 1);
  return 0;
}

/** Copies [vpn, vpn + npages) of task `slot` into the frames from `first` on (in one copy when the pages are consecutive in the pool). */
function copyPagesTo(r: Region, slot: number, vpn: number, first: number, npages: number): void {
  const from = contiguousOffset(r, slot, vpn, npages);
  if (from >= 0) {
    r.bytes.copyWithin(r.page(first) * 4, from, from + npages * L.PAGE_BYTES);
    return;
  }
  for (let i = 0; i < npages; i++) {
    const page = r.page(frameAt(r, slot, vpn + i));
    r.w.copyWithin(r.page(first + i), page, page + L.PAGE_WORDS);
  }
}

// --- receiving -------------------------------------------------------------------

/** What a taken delivery is, as a handler sees it. */
export interface DeliveryInfo {
  id: number;
  sender: number;
  type: number;
  addr: number;
  npages: number;
  flags: number;
}

/**
 * PAGE_TAKE: takes the caller's oldest pending delivery, mapping its pages
 * at a free range of its page space (read-only unless the sender let
 * receivers write). Fills `info` and returns 1, or returns 0 when none is
 * pending. The caller then accepts or abandons it.
 * Errors: ENOMEM no free range that long in the caller's space (the
 * delivery stays pending).
 */
export function pageTake(ctx: TaskContext, info: DeliveryInfo): number {
  const r = ctx.r;
  r.lock();
  const index = takeFirstPending(r, ctx.slot);
  if (index < 0) return r.unlockWith(0);
  const d = r.delivery(index);
  const npages = r.w[d + L.D_NPAGES]!;
  const vpn = findFreeRange(r, ctx.slot, npages);
  if (vpn < 0) return r.fail(vpn);
  const flags = r.w[d + L.D_FLAGS]!;
  const rights = L.PAGE_READ | (flags & L.SEND_RECEIVER_WRITES ? L.PAGE_WRITE : 0);
  // The mappings take over the delivery's holds of the frames, tagged until the handler decides.
  mapRuns(r, ctx.slot, vpn, d + L.D_RUN_LIST, r.w[d + L.D_RUNS]!, rights, deliveryTag(index, r.w[d + L.D_SEQ]!));
  r.set(d + L.D_ADDR, vpn * L.PAGE_BYTES);
  r.set(d + L.D_STATE, L.DELIVERY_TAKEN);
  info.id = deliveryId(index, r.w[d + L.D_SEQ]!);
  info.sender = r.w[d + L.D_SENDER]!;
  info.type = r.w[d + L.D_TYPE]!;
  info.addr = vpn * L.PAGE_BYTES;
  info.npages = npages;
  info.flags = flags;
  return r.unlockWith(1);
}

/** {@link pageTake} for a caller that waits: WOULD_BLOCK (wait recorded) instead of 0. */
export function pageTakeOrWait(ctx: TaskContext, info: DeliveryInfo): number {
  const w = ctx.r.w;
  const seqWord = ctx.record + L.T_PAGE_SEQ;
  const seq = Atomics.load(w, seqWord);
  const result = pageTake(ctx, info);
  if (result !== 0) return result;
  return ctx.blockOnValue(seqWord, seq, ctx.record + L.T_PAGE_WAITERS, 0, L.EVENT_READABLE);
}

/** PAGE_TAKE through the ABI: writes the DeliveryInfo as six u32 at `ptr` of `mem`. 1 or 0, or -errno (EFAULT). */
export function pageTakeInto(ctx: TaskContext, mem: MessageMemory, ptr: number, wait: boolean): number {
  if (!inBounds(mem, ptr, DELIVERY_INFO_BYTES)) return -EFAULT;
  const info = scratchInfo;
  const result = wait ? pageTakeOrWait(ctx, info) : pageTake(ctx, info);
  if (result !== 1) return result;
  const view = new DataView(mem.bytes.buffer, mem.bytes.byteOffset + ptr, DELIVERY_INFO_BYTES);
  [info.id, info.sender, info.type, info.addr, info.npages, info.flags].forEach((value, i) => view.setUint32(i * 4, value, true));
  return 1;
}
const scratchInfo: DeliveryInfo = { id: 0, sender: 0, type: 0, addr: 0, npages: 0, flags: 0 };

/**
 * The id a receiver names delivery record `index` by: the record and 15
 * bits of its sequence number, so that an id kept after its delivery was
 * decided does not name the next delivery in the same record.
 */
function deliveryId(index: number, seq: number): number {
  return ((seq & 0x7fff) << 16) | index;
}

/** The record of the caller's taken delivery `id` (its index), or -EINVAL. */
function takenBy(r: Region, pid: number, id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) return -EINVAL;
  const index = id & 0xffff;
  if (index >= r.deliveryCount) return -EINVAL;
  const d = r.delivery(index);
  const current = r.w[d + L.D_STATE] === L.DELIVERY_TAKEN && r.w[d + L.D_RECEIVER] === pid && deliveryId(index, r.w[d + L.D_SEQ]!) === id;
  return current ? index : -EINVAL;
}

/** The tag of the runs taken delivery `index` mapped, until its handler decides (layout.ts, PS_RUN_TAGS). */
export function deliveryTag(index: number, seq: number): number {
  return deliveryId(index, seq) + 1;
}

/** PAGE_ACCEPT: keeps the pages of taken delivery `id`. Returns 0. Errors: EINVAL not a delivery the caller has taken and not decided. */
export function pageAccept(ctx: TaskContext, id: number): number {
  return decide(ctx, id, false);
}

/** PAGE_ABANDON: unmaps the pages of taken delivery `id` (frames nobody else holds are freed). Returns 0. Errors as {@link pageAccept}. */
export function pageAbandon(ctx: TaskContext, id: number): number {
  return decide(ctx, id, true);
}

function decide(ctx: TaskContext, id: number, abandon: boolean): number {
  const r = ctx.r;
  r.lock();
  const index = takenBy(r, ctx.pid, id);
  if (index < 0) return r.fail(index);
  const d = r.delivery(index);
  // The pages the delivery mapped that are still mapped as it mapped them (the caller may have freed or moved some).
  const tag = deliveryTag(index, r.w[d + L.D_SEQ]!);
  settleTagged(r, ctx.slot, r.w[d + L.D_ADDR]! / L.PAGE_BYTES, r.w[d + L.D_NPAGES]!, tag, abandon);
  retire(r, index);
  return r.unlockWith(0);
}

/**
 * Releases what task `slot` (pid `pid`) held in page IPC, as it is reaped:
 * deliveries pending to it are abandoned (their frames dropped), taken ones
 * too (with its mappings), its pages unmapped, its handlers unregistered.
 * What it sent stays in flight. Kernel lock held.
 */
export function releasePageIpc(r: Region, slot: number, pid: number): void {
  for (let i = 0; i < r.deliveryCount; i++) {
    const d = r.delivery(i);
    const state = r.w[d + L.D_STATE];
    if (state === L.DELIVERY_FREE || r.w[d + L.D_RECEIVER] !== pid) continue;
    if (state === L.DELIVERY_PENDING) holdRuns(r, d + L.D_RUN_LIST, r.w[d + L.D_RUNS]!, false);
    retire(r, i);
  }
  // Every record on its pending list was retired above.
  const t = r.task(slot);
  r.set(t + L.T_PENDING_FIRST, 0);
  r.set(t + L.T_PENDING_LAST, 0);
  r.set(t + L.T_PAGES_PENDING, 0);
  unmapAll(r, slot);
  const table = r.handlerTable(slot);
  for (let i = 0; i < L.HANDLER_SLOTS; i++) if (r.w[table + i] !== 0) r.set(table + i, 0);
}

// --- reading and writing pages ----------------------------------------------------

/**
 * Checks that the caller maps [addr, addr + length) with `rights`; returns
 * the byte offset in the kernel buffer of `addr` when those pages map
 * consecutive frames, -1 when they are mapped but scattered, or -errno:
 * EINVAL `length` negative; EFAULT a page unmapped, lacking `rights`, or
 * past the space.
 */
export function checkAccess(ctx: TaskContext, addr: number, length: number, rights: number): number {
  const r = ctx.r;
  if (!Number.isInteger(length) || length < 0) return -EINVAL;
  if (!Number.isInteger(addr) || addr < 0 || addr + length > r.pageSpace * L.PAGE_BYTES) return -EFAULT;
  if (length === 0) return -1;
  const vpn = Math.floor(addr / L.PAGE_BYTES);
  const npages = Math.floor((addr + length - 1) / L.PAGE_BYTES) - vpn + 1;
  if (!holdsRange(r, ctx.slot, vpn, npages, rights)) return -EFAULT;
  const offset = contiguousOffset(r, ctx.slot, vpn, npages);
  return offset < 0 ? -1 : offset + (addr % L.PAGE_BYTES);
}

/** Copies between the caller's pages and `bytes` page by page (`toPages`: write into the pages). The range is checked. */
function copyPages(ctx: TaskContext, addr: number, bytes: Uint8Array, toPages: boolean): void {
  const r = ctx.r;
  let done = 0;
  while (done < bytes.length) {
    const at = addr + done;
    const within = at % L.PAGE_BYTES;
    const n = Math.min(L.PAGE_BYTES - within, bytes.length - done);
    const offset = r.page(frameAt(r, ctx.slot, Math.floor(at / L.PAGE_BYTES))) * 4 + within;
    if (toPages) r.bytes.set(bytes.subarray(done, done + n), offset);
    else bytes.set(r.bytes.subarray(offset, offset + n), done);
    done += n;
  }
}

/**
 * PAGE_READ: copies `length` bytes at page address `addr` to `dst` at
 * `offset`. Returns `length`. Errors: EINVAL; EFAULT a page not mapped
 * readable, or `dst` too small.
 */
export function pageRead(ctx: TaskContext, addr: number, dst: MessageMemory, offset: number, length: number): number {
  const access = checkAccess(ctx, addr, length, L.PAGE_READ);
  if (access < -1) return access;
  if (!inBounds(dst, offset, length)) return -EFAULT;
  copyPages(ctx, addr, dst.bytes.subarray(offset, offset + length), false);
  return length;
}

/**
 * PAGE_WRITE: copies `length` bytes from `src` at `offset` to page address
 * `addr`. Returns `length`. Errors: EINVAL; EFAULT a page not mapped
 * writable (a read-only mapping refuses every write), or `src` too small.
 */
export function pageWrite(ctx: TaskContext, addr: number, src: MessageMemory, offset: number, length: number): number {
  const access = checkAccess(ctx, addr, length, L.PAGE_READ | L.PAGE_WRITE);
  if (access < -1) return access;
  if (!inBounds(src, offset, length)) return -EFAULT;
  copyPages(ctx, addr, src.bytes.subarray(offset, offset + length), true);
  return length;
}
