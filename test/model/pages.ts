/**
 * Page IPC in the model (docs/objects/pages.md and
 * docs/syscalls/page_*.md): every task's page space, one entry per virtual
 * page (frame, rights, the tag of the undecided delivery that mapped it);
 * frames of the shared pool with their holders and contents; the delivery
 * records (pending in the order of the sends, taken until decided) with
 * ids of index and sequence number; handler tables; in-flight charges.
 *
 * Kept per page, not per run: what the kernel does a run at a time is,
 * seen from the ABI, the same page by page. Errors are checked in the
 * order the syscall pages give.
 */
import { type Attempt, BLOCK, E, PAGE } from './abi.js';
import { inMemory, intArg } from './args.js';
import { writeU32 } from './memory.js';
import { type Delivery, type ModelState, type PageEntry, type TaskState, allocPool, freePool, pageKey, touch } from './state.js';

const isType = (t: number): boolean => Number.isInteger(t) && t >= 0 && t <= PAGE.TYPE_MAX;

/** The lowest first page of `npages` unmapped pages of `task`'s space, or -1. */
function freeRange(task: TaskState, npages: number): number {
  let run = 0;
  for (let v = 0; v < task.space.length; v++) {
    run = task.space[v] === null ? run + 1 : 0;
    if (run === npages) return v - npages + 1;
  }
  return -1;
}

/** Takes `npages` consecutive frames from the pool, zeroed, one holder each: the first, or -1. */
function allocFrames(s: ModelState, npages: number): number {
  const first = allocPool(s, npages);
  if (first < 0) return -1;
  for (let f = first; f < first + npages; f++) {
    s.holders[f] = 1;
    s.frameData[f] = new Uint8Array(PAGE.BYTES);
  }
  return first;
}

function hold(s: ModelState, frame: number): void {
  s.holders[frame]!++;
}

/** Drops one holder of `frame`; the last one gives it back to the pool. */
function drop(s: ModelState, frame: number): void {
  const n = --s.holders[frame]!;
  if (n > 0) return;
  if (n < 0) throw new Error(`model: frame ${frame} dropped below 0 holders`);
  delete s.holders[frame];
  delete s.frameData[frame];
  freePool(s, frame, 1);
}

/** Unmaps page `vpn` of `task`, dropping its hold of the frame. */
function unmap(s: ModelState, task: TaskState, vpn: number): void {
  const e = task.space[vpn]!;
  task.space[vpn] = null;
  drop(s, e.frame);
}

/** Whether `task` maps every page of [vpn, vpn + npages) (writable too, with `write`). */
function holdsRange(task: TaskState, vpn: number, npages: number, write: boolean): boolean {
  for (let v = vpn; v < vpn + npages; v++) {
    const e = task.space[v];
    if (e === null || e === undefined || (write && !e.writable)) return false;
  }
  return true;
}

/** A range argument: its first virtual page, or -EINVAL (zero pages, unaligned) / -EFAULT (past the space). */
function rangeOf(s: ModelState, addr: number, npages: number): number {
  if (!Number.isInteger(npages) || npages < 1) return -E.EINVAL;
  if (!Number.isInteger(addr) || addr < 0 || addr % PAGE.BYTES !== 0) return -E.EINVAL;
  const vpn = addr / PAGE.BYTES;
  if (vpn >= s.limits.pageSpace) return -E.EFAULT;
  return vpn + npages <= s.limits.pageSpace ? vpn : -E.EFAULT;
}

/** PAGE_ALLOC: EINVAL unless 1..pageSpace; ENOMEM (no free range, then no run of frames); the lowest free range, zeroed, read/write. */
export function alloc(s: ModelState, pid: number, nArg: unknown): number {
  const n = intArg(nArg);
  if (!(Number.isInteger(n) && n >= 1 && n <= s.limits.pageSpace)) return -E.EINVAL;
  const task = s.tasks[pid]!;
  const vpn = freeRange(task, n);
  if (vpn < 0) return -E.ENOMEM;
  const first = allocFrames(s, n);
  if (first < 0) return -E.ENOMEM;
  for (let i = 0; i < n; i++) task.space[vpn + i] = { frame: first + i, writable: true, tag: 0 };
  return vpn * PAGE.BYTES;
}

/** PAGE_FREE: EINVAL, EINVAL, EFAULT (past the space), EFAULT (a page unmapped: nothing changes); unmaps the range. */
export function free(s: ModelState, pid: number, addrArg: unknown, nArg: unknown): number {
  const n = intArg(nArg);
  const vpn = rangeOf(s, intArg(addrArg), n);
  if (vpn < 0) return vpn;
  const task = s.tasks[pid]!;
  if (!holdsRange(task, vpn, n, false)) return -E.EFAULT;
  for (let v = vpn; v < vpn + n; v++) unmap(s, task, v);
  return 0;
}

/** PAGE_REGISTER_HANDLER: EINVAL, EEXIST, ENOSPC (16 types). */
export function register(s: ModelState, pid: number, typeArg: unknown): number {
  const type = intArg(typeArg);
  if (!isType(type)) return -E.EINVAL;
  const task = s.tasks[pid]!;
  if (task.handlers.includes(type)) return -E.EEXIST;
  if (task.handlers.length >= PAGE.HANDLER_SLOTS) return -E.ENOSPC;
  task.handlers.push(type);
  return 0;
}

/** PAGE_UNREGISTER_HANDLER: EINVAL, ENOENT; deliveries already made stay. */
export function unregister(s: ModelState, pid: number, typeArg: unknown): number {
  const type = intArg(typeArg);
  if (!isType(type)) return -E.EINVAL;
  const task = s.tasks[pid]!;
  if (!task.handlers.includes(type)) return -E.ENOENT;
  task.handlers = task.handlers.filter((t) => t !== type);
  return 0;
}

/** The live tasks in slot order (pid order here: the agents are spawned in order, init first). */
export function liveTasks(s: ModelState): TaskState[] {
  return Object.values(s.tasks)
    .filter((t) => t.alive)
    .sort((a, b) => a.pid - b.pid);
}

/**
 * One delivery from `sender` to `target` of the sender's [vpn, vpn + n):
 * -EAGAIN (no record free), -ENOMEM (duplicate: no frames), or 0 with the
 * record pending, holding its frames, charged to the sender.
 */
function deliver(s: ModelState, sender: TaskState, target: TaskState, type: number, vpn: number, n: number, flags: number): number {
  if (s.freeDeliveries.length === 0) return -E.EAGAIN;
  let frames: number[];
  if (flags & PAGE.DUPLICATE) {
    const first = allocFrames(s, n);
    if (first < 0) return -E.ENOMEM;
    frames = [];
    for (let i = 0; i < n; i++) {
      s.frameData[first + i]!.set(s.frameData[sender.space[vpn + i]!.frame]!);
      frames.push(first + i);
    }
  } else {
    frames = [];
    for (let i = 0; i < n; i++) {
      const f = sender.space[vpn + i]!.frame;
      hold(s, f);
      frames.push(f);
    }
  }
  const index = s.freeDeliveries.shift()!;
  const seq = s.deliverySeq;
  s.deliverySeq = (seq + 1) & 0x7fffffff;
  const d: Delivery = { index, seq, id: ((seq & 0x7fff) << 16) | index, state: 'pending', sender: sender.pid, receiver: target.pid, type, npages: n, flags, frames, addr: -1 };
  s.deliveries[index] = d;
  sender.inFlight += n;
  touch(s, pageKey(target.pid));
  return 0;
}

/**
 * PAGE_SEND(pid, type, addr, npages, flags): EINVAL (flags, type), EINVAL
 * (npages not an integer or > 256), EINVAL (< 1), EINVAL (addr), EFAULT
 * (past the space), EFAULT (unmapped, or read-only when receivers may
 * write the sender's own frames); a single target: ESRCH, EAGAIN (quota),
 * ENOENT, EAGAIN (no record), ENOMEM (no frames for the copy); a
 * broadcast: EAGAIN for the quota of all handling targets, then each
 * target on its own. A move unmaps the sender's range once anyone got it.
 */
export function send(s: ModelState, pid: number, pidArg: unknown, typeArg: unknown, addrArg: unknown, nArg: unknown, flagsArg: unknown): number {
  const flags = intArg(flagsArg);
  const type = intArg(typeArg);
  if (!(Number.isInteger(flags) && flags >= 0 && flags <= PAGE.FLAGS_MASK) || !isType(type)) return -E.EINVAL;
  const n = intArg(nArg);
  if (!Number.isInteger(n) || n > PAGE.MAX_SEND) return -E.EINVAL;
  const vpn = rangeOf(s, intArg(addrArg), n);
  if (vpn < 0) return vpn;
  const sender = s.tasks[pid]!;
  const duplicate = (flags & PAGE.DUPLICATE) !== 0;
  const move = !duplicate && (flags & PAGE.KEEP) === 0;
  if (!holdsRange(sender, vpn, n, (flags & PAGE.RECEIVER_WRITES) !== 0 && !duplicate)) return -E.EFAULT;
  const target = (flags >> PAGE.TARGET_SHIFT) & 3;
  const quotaFor = (targets: number): boolean => sender.inFlight + n * targets <= s.limits.pageQuota;
  let delivered = 0;
  if (target === PAGE.TARGET_ALL || target === PAGE.TARGET_OTHERS) {
    const targets = liveTasks(s).filter((t) => target === PAGE.TARGET_ALL || t.pid !== pid);
    const handling = targets.filter((t) => t.handlers.includes(type));
    if (!quotaFor(handling.length)) return -E.EAGAIN;
    for (const t of handling) if (deliver(s, sender, t, type, vpn, n, flags) === 0) delivered++;
  } else {
    const t = target === PAGE.TARGET_SELF ? sender : s.tasks[intArg(pidArg)];
    if (t === undefined || !t.alive) return -E.ESRCH;
    const handles = t.handlers.includes(type);
    if (!quotaFor(handles ? 1 : 0)) return -E.EAGAIN;
    if (!handles) return -E.ENOENT;
    const r = deliver(s, sender, t, type, vpn, n, flags);
    if (r < 0) return r;
    delivered = 1;
  }
  if (move && delivered > 0) for (let v = vpn; v < vpn + n; v++) unmap(s, sender, v);
  return delivered;
}

/** The deliveries pending to `pid`, oldest first (in the order of the sends). */
function pendingTo(s: ModelState, pid: number): Delivery[] {
  return s.deliveries.filter((d): d is Delivery => d !== null && d.state === 'pending' && d.receiver === pid).sort((a, b) => a.seq - b.seq);
}

/** PAGE_TAKE's timeout: 0 (poll), -1 or long (wait), 'short' (1 ns: times out at once when nothing is pending), or NaN (EINVAL). */
export function takeTimeout(x: unknown): number | 'short' {
  if (x === undefined) return 0;
  const ns = intArg(x);
  if (ns === 0 || ns === -1) return ns;
  if (!(ns >= 0)) return NaN;
  // The programs use 1 ns (no delivery can come meanwhile) and 10^12 ns (long enough never to pass).
  return ns < 1e9 ? 'short' : -1;
}

/**
 * PAGE_TAKE(out_ptr, timeout_ns): EINVAL (timeout), EFAULT (the 24 bytes),
 * then the oldest pending delivery mapped at the lowest free range (ENOMEM:
 * it stays first in line), its record written; with none pending 0 (poll),
 * ETIMEDOUT (a short wait) or BLOCK.
 */
export function takeAttempt(s: ModelState, pid: number, ptrArg: unknown, timeoutArg: unknown): Attempt {
  const timeout = takeTimeout(timeoutArg);
  if (Number.isNaN(timeout)) return -E.EINVAL;
  const task = s.tasks[pid]!;
  const ptr = intArg(ptrArg);
  if (!inMemory(task.mem.length, ptr, PAGE.TAKE_RECORD_BYTES)) return -E.EFAULT;
  const d = pendingTo(s, pid)[0];
  if (d === undefined) return timeout === 0 ? 0 : timeout === 'short' ? -E.ETIMEDOUT : BLOCK;
  const vpn = freeRange(task, d.npages);
  if (vpn < 0) return -E.ENOMEM;
  const writable = (d.flags & PAGE.RECEIVER_WRITES) !== 0;
  for (let i = 0; i < d.npages; i++) task.space[vpn + i] = { frame: d.frames[i]!, writable, tag: d.id + 1 };
  d.state = 'taken';
  d.addr = vpn * PAGE.BYTES;
  const record = [d.id, d.sender, d.type, d.addr, d.npages, d.flags];
  record.forEach((v, i) => writeU32(task.mem, ptr + 4 * i, v));
  return 1;
}

/** Frees delivery record `d`, lifting its charge from a live sender. */
function retire(s: ModelState, d: Delivery): void {
  const sender = s.tasks[d.sender];
  if (sender !== undefined && sender.alive) sender.inFlight -= d.npages;
  s.deliveries[d.index] = null;
  s.freeDeliveries.unshift(d.index);
}

/**
 * PAGE_ACCEPT / PAGE_ABANDON: EINVAL unless `id` names a delivery the
 * caller has taken and not decided (its index and sequence number). The
 * pages of its range still mapped as it mapped them (its tag) stay
 * (untagged) or are unmapped; the record is freed.
 */
export function decide(s: ModelState, pid: number, idArg: unknown, abandon: boolean): number {
  const id = intArg(idArg);
  if (!(Number.isInteger(id) && id >= 0 && id <= 0x7fffffff)) return -E.EINVAL;
  const index = id & 0xffff;
  if (index >= s.limits.deliveries) return -E.EINVAL;
  const d = s.deliveries[index];
  if (d === null || d === undefined || d.state !== 'taken' || d.receiver !== pid || d.id !== id) return -E.EINVAL;
  const task = s.tasks[pid]!;
  const vpn = d.addr / PAGE.BYTES;
  for (let v = vpn; v < vpn + d.npages; v++) {
    const e = task.space[v];
    if (e === null || e === undefined || e.tag !== d.id + 1) continue;
    if (abandon) unmap(s, task, v);
    else e.tag = 0;
  }
  retire(s, d);
  return 0;
}

/** The pages [addr, addr + len) touch, checked as PAGE_READ/PAGE_WRITE do: EINVAL (len), EFAULT (addr, past the space), EFAULT (unmapped, or read-only for a write). */
function access(s: ModelState, task: TaskState, addr: number, len: number, write: boolean): number {
  if (!(Number.isInteger(len) && len >= 0)) return -E.EINVAL;
  if (!(Number.isInteger(addr) && addr >= 0 && addr + len <= s.limits.pageSpace * PAGE.BYTES)) return -E.EFAULT;
  if (len === 0) return 0;
  const first = Math.floor(addr / PAGE.BYTES);
  const last = Math.floor((addr + len - 1) / PAGE.BYTES);
  return holdsRange(task, first, last - first + 1, write) ? 0 : -E.EFAULT;
}

/** Copies between `len` bytes of the page space at `addr` and `bytes` (the checks passed). */
function copy(s: ModelState, task: TaskState, addr: number, bytes: Uint8Array, toPages: boolean): void {
  for (let done = 0; done < bytes.length; ) {
    const at = addr + done;
    const within = at % PAGE.BYTES;
    const n = Math.min(PAGE.BYTES - within, bytes.length - done);
    const frame = s.frameData[(task.space[Math.floor(at / PAGE.BYTES)] as PageEntry).frame]!;
    if (toPages) frame.set(bytes.subarray(done, done + n), within);
    else bytes.set(frame.subarray(within, within + n), done);
    done += n;
  }
}

/** PAGE_READ(addr, dst_ptr, len): the access checks, then EFAULT for the user memory; len. */
export function read(s: ModelState, pid: number, addrArg: unknown, dstArg: unknown, lenArg: unknown): number {
  const task = s.tasks[pid]!;
  const len = intArg(lenArg);
  const addr = intArg(addrArg);
  const r = access(s, task, addr, len, false);
  if (r < 0) return r;
  const dst = intArg(dstArg);
  if (!inMemory(task.mem.length, dst, len)) return -E.EFAULT;
  copy(s, task, addr, task.mem.subarray(dst, dst + len), false);
  return len;
}

/** PAGE_WRITE(addr, src_ptr, len): as PAGE_READ, every page writable. */
export function write(s: ModelState, pid: number, addrArg: unknown, srcArg: unknown, lenArg: unknown): number {
  const task = s.tasks[pid]!;
  const len = intArg(lenArg);
  const addr = intArg(addrArg);
  const r = access(s, task, addr, len, true);
  if (r < 0) return r;
  const src = intArg(srcArg);
  if (!inMemory(task.mem.length, src, len)) return -E.EFAULT;
  copy(s, task, addr, task.mem.slice(src, src + len), true);
  return len;
}

/**
 * Page IPC's part of a task's death: deliveries pending to it are freed
 * (their frames dropped), taken ones too; its pages are unmapped and its
 * handlers go. What it sent stays pending (no longer charged to anyone).
 */
export function releaseTask(s: ModelState, pid: number): void {
  const task = s.tasks[pid]!;
  for (const d of s.deliveries) {
    if (d === null || d.receiver !== pid) continue;
    if (d.state === 'pending') for (const f of d.frames) drop(s, f);
    retire(s, d);
  }
  for (let v = 0; v < task.space.length; v++) if (task.space[v] !== null) unmap(s, task, v);
  task.handlers = [];
  task.inFlight = 0;
}
