/**
 * Runs one program on the real kernel (agent tasks, one syscall at a time,
 * in the program's order) and on the reference model, side by side, and
 * throws a ModelMismatch at the first difference: a return value, a byte of
 * a message or record written to user memory, or when a blocked syscall
 * returns. A syscall the model parks must be seen blocked in the kernel
 * (kernel.snapshot()), must not return while the model keeps it parked,
 * and must return once the model lets it go; when several parked syscalls
 * compete (two receivers, one message), the kernel's choice is followed.
 */
import { Kernel } from '../../src/index.js';
import { waitFor, within } from '../support/wait.js';
import { MSG, LIMIT, PAGE, PAGE_NR } from './abi.js';
import { KernelModel, type Outcome } from './kernel-model.js';
import { ModelAgent, type MemoryWrite, type SyscallOutcome } from './agent.js';
import { Translation, isModelName } from './translate.js';
import { NR_OF, PATH_LENGTH, personalityOf, type AddrRef, type DataRef, type DeliveryRef, type HandleRef, type MessageSpec, type Op, type PidRef, type Program, type PtrRef, type Step } from './program.js';
import type { Pending } from '../support/agent.js';
import type { ObjectKind } from './objects.js';
import { taskInfo } from '../support/blocked.js';

/** The kind of object a syscall's handle argument should name, when the program picks "a handle of this task's". */
const KIND_OF: Partial<Record<Op['op'], ObjectKind>> = {
  send: 'port',
  call: 'port',
  recv: 'port',
  'try-recv': 'port',
  bind: 'port',
  'chan-send': 'channel',
  'chan-recv': 'channel',
  'chan-try-recv': 'channel',
  'chan-close': 'channel',
  'sem-wait': 'semaphore',
  'sem-trywait': 'semaphore',
  'sem-post': 'semaphore',
  'sem-close': 'semaphore',
  'ring-map': 'ring',
};

/**
 * The kernel limits every program runs with (small, so that full tables,
 * namespaces, page spaces, pools, quotas and delivery tables happen).
 */
export const PROGRAM_LIMITS = { maxHandles: 8, namespaceEntries: 3, maxPathBytes: 8, pages: 48, pageSpace: 16, pageQuota: 10, deliveries: 5 } as const;
const MEMORY_BYTES = 64 * 1024;
/** Where in an agent's memory page data and mailbox messages are written and read. */
const DATA_AT = 16384;
/** Where in an agent's memory the four message buffers and the path live. */
const BUFFERS_AT = 1024;
const PATH_AT = 2048;
/** How long the kernel may take to do what the model says it does (a slow, shared machine). */
const KERNEL_MS = 10_000;

export class ModelMismatch extends Error {}

/** What the programs run so far did, for judging how much they exercise (printed by the tests). */
export const coverage = {
  steps: 0,
  /** Results by "nr:result" (result 'ok' for >= 0, else the errno). */
  results: new Map<string, number>(),
  parked: 0,
  woken: 0,
  kills: 0,
  callsQueuedOnWake: 0,
};

function count(nr: number, r: number): void {
  // PAGE_SEND's count of targets and PAGE_TAKE's 0 or 1 are told apart.
  const key = `${nr}:${r < 0 ? -r : nr === 302 || nr === 305 ? `=${r}` : 'ok'}`;
  coverage.results.set(key, (coverage.results.get(key) ?? 0) + 1);
}

/** What one step does in each world. */
interface Resolved {
  nr: number;
  realArgs: unknown[];
  modelArgs: unknown[];
  realWrites: MemoryWrite[];
  modelWrites: MemoryWrite[];
  window?: { at: number; length: number; kind: 'message' | 'info' | 'ring' | 'raw' };
  /** For syscalls that return a new handle: the task whose table it is in. */
  handleIn?: number;
}

interface Blocked {
  pid: number;
  step: number;
  resolved: Resolved;
  pending: Pending<SyscallOutcome>;
}

function describe(x: unknown): string {
  return typeof x === 'bigint' ? `${x}n` : typeof x === 'string' ? JSON.stringify(x) : String(x);
}

const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
const i32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(at, true);

class ProgramRun {
  private readonly names = new Translation();
  private readonly blocked = new Map<number, Blocked>();
  /** Calls each task has received: the sender words exactly as the kernel wrote them. */
  private readonly received = new Map<number, { pid: number; token: number; at: number }[]>();
  /** Page deliveries each task has taken: their ids, as PAGE_TAKE wrote them. */
  private readonly taken = new Map<number, number[]>();
  private readonly log: string[] = [];
  private step = -1;

  constructor(
    private readonly kernel: Kernel,
    private readonly agents: ModelAgent[],
    private readonly model: KernelModel,
  ) {}

  private fail(what: string): never {
    throw new ModelMismatch(`step ${this.step}: ${what}\n--- trace (last 40) ---\n${this.log.slice(-40).join('\n')}`);
  }

  // --- argument resolution ---------------------------------------------------

  /** The kernel values of the handles task `pid` holds now (per the model), oldest first; of `kind` if it has any. */
  private liveHandles(pid: number, kind: ObjectKind | undefined): number[] {
    const s = this.model.state;
    const mine = s.nodes.filter((x) => x.pid === pid).sort((a, b) => a.value - b.value);
    const fitting = kind === undefined ? mine : mine.filter((x) => s.objects[x.objectId]!.kind === kind);
    return (fitting.length > 0 ? fitting : mine).map((x) => this.names.toReal('handle', pid, x.value)!).filter((v) => v !== undefined);
  }

  private handleValue(ref: HandleRef, taskIndex: number, kind?: ObjectKind): unknown {
    if ('lit' in ref) return ref.lit;
    const n = this.agents.length;
    const pick = (list: number[], k: number): number => (list.length === 0 ? 1 : list[list.length - 1 - (k % list.length)]!);
    if ('other' in ref) return pick(this.liveHandles(this.agents[(taskIndex + 1 + (ref.other % (n - 1))) % n]!.pid, kind), ref.other);
    const pid = this.agents[taskIndex]!.pid;
    const live = this.liveHandles(pid, kind);
    if ('own' in ref && live.length > 0) return pick(live, ref.own);
    const stale = this.names.realValues('handle', pid).filter((v) => !live.includes(v));
    return pick(stale.length > 0 ? stale : live, 'own' in ref ? ref.own : ref.stale);
  }

  private modelHandle(pid: number, real: unknown): unknown {
    return typeof real === 'number' ? this.names.toModel('handle', pid, real) : real;
  }

  private ptr(ref: PtrRef): unknown {
    return 'lit' in ref ? ref.lit : BUFFERS_AT + 64 * (ref.buf % 4);
  }

  private pidValue(ref: PidRef): unknown {
    if ('lit' in ref) return ref.lit;
    if ('init' in ref) return this.kernel.task.pid;
    return this.agents[ref.agent % this.agents.length]!.pid;
  }

  /** A page-space address: the k-th page `pid` maps (per the model), plus the offset; 0 when it maps none. */
  private pageAddr(ref: AddrRef, pid: number): unknown {
    if ('lit' in ref) return ref.lit;
    const space = this.model.state.tasks[pid]!.space;
    const mapped: number[] = [];
    space.forEach((e, vpn) => e !== null && mapped.push(vpn));
    return mapped.length === 0 ? ref.offset : mapped[ref.mapped % mapped.length]! * PAGE.BYTES + ref.offset;
  }

  private dataPtr(ref: DataRef): unknown {
    return 'lit' in ref ? ref.lit : DATA_AT + ref.data;
  }

  private deliveryId(ref: DeliveryRef, pid: number): unknown {
    if ('lit' in ref) return ref.lit;
    const ids = this.taken.get(pid) ?? [];
    return ids.length === 0 ? 0 : ids[ids.length - 1 - (ref.taken % ids.length)];
  }

  /** The bytes a page write or a mailbox send puts in user memory first: a pattern that differs from page to page and byte to byte. */
  private static pattern(fill: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = (fill + i * 31 + (i >> 12) * 7) & 0xff;
    return bytes;
  }

  /** A u32 `flags` word for whatever a handle argument resolved to. */
  private static flagsWord(value: unknown): number {
    return typeof value === 'number' && Number.isInteger(value) ? value >>> 0 : 0x7fffffff;
  }

  private messageWrites(spec: MessageSpec, pid: number, taskIndex: number): { real: Uint8Array; model: Uint8Array } {
    const real = new Uint8Array(MSG.BYTES);
    const model = new Uint8Array(MSG.BYTES);
    const both = (offset: number, r: number, m: number): void => {
      new DataView(real.buffer).setUint32(offset, r >>> 0, true);
      new DataView(model.buffer).setUint32(offset, m >>> 0, true);
    };
    if (spec.sender !== undefined) {
      let senderPid: number;
      let token: number;
      if ('received' in spec.sender) {
        const calls = this.received.get(pid) ?? [];
        const c = calls.length === 0 ? { pid: 0, token: 0 } : calls[calls.length - 1 - (spec.sender.received % calls.length)]!;
        senderPid = c.pid;
        token = c.token;
      } else {
        senderPid = ProgramRun.flagsWord(this.pidValue(spec.sender.pid));
        token = spec.sender.token;
      }
      both(MSG.SENDER, senderPid, senderPid);
      both(MSG.TOKEN, token, this.names.toModel('token', senderPid, token));
    }
    both(MSG.TYPE, spec.type, spec.type);
    const flags = spec.flags === null ? 0 : ProgramRun.flagsWord(this.handleValue(spec.flags, taskIndex));
    both(MSG.FLAGS, flags, flags === 0 ? 0 : this.names.toModel('handle', pid, flags | 0));
    both(MSG.PAYLOAD, spec.p0, spec.p0);
    both(MSG.PAYLOAD + 4, spec.p1, spec.p1);
    return { real, model };
  }

  private resolve(taskIndex: number, call: Op): Resolved {
    const pid = this.agents[taskIndex]!.pid;
    if (call.op === 'kill') throw new Error('kill is not a syscall');
    const nr = call.op === 'unknown' ? call.nr : NR_OF[call.op];
    const out: Resolved = { nr, realArgs: [], modelArgs: [], realWrites: [], modelWrites: [] };
    const kind = KIND_OF[call.op];
    const h = (ref: HandleRef): void => {
      const v = this.handleValue(ref, taskIndex, kind);
      out.realArgs.push(v);
      out.modelArgs.push(this.modelHandle(pid, v));
    };
    const plain = (v: unknown): void => {
      out.realArgs.push(v);
      out.modelArgs.push(v);
    };
    const validAt = (p: unknown, length: number): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 0 && p + length <= MEMORY_BYTES;
    const message = (ref: PtrRef, spec: MessageSpec | null): void => {
      const p = this.ptr(ref);
      plain(p);
      if (!validAt(p, MSG.BYTES)) return;
      out.window = { at: p, length: MSG.BYTES, kind: 'message' };
      if (spec === null) return;
      const { real, model } = this.messageWrites(spec, pid, taskIndex);
      out.realWrites.push({ at: p, bytes: real });
      out.modelWrites.push({ at: p, bytes: model });
    };
    const path = (text: string, len: unknown): void => {
      const bytes = new TextEncoder().encode(text);
      out.realWrites.push({ at: PATH_AT, bytes });
      out.modelWrites.push({ at: PATH_AT, bytes });
      plain(PATH_AT);
      if (len !== undefined) plain(len === PATH_LENGTH ? bytes.length : len);
    };
    switch (call.op) {
      case 'create-port':
      case 'chan-create':
      case 'sem-create':
      case 'ring-create':
        if (call.op === 'create-port' ? call.flags !== undefined : call.value !== undefined) plain(call.op === 'create-port' ? call.flags : call.value);
        out.handleIn = pid;
        break;
      case 'send':
      case 'call':
      case 'chan-send':
        h(call.h);
        message(call.at, call.msg);
        break;
      case 'recv':
      case 'try-recv':
      case 'chan-recv':
      case 'chan-try-recv':
        h(call.h);
        message(call.at, null);
        break;
      case 'reply': {
        // Replying from a buffer as it is: the buffer the k-th newest call this task received landed in.
        const calls = this.received.get(pid) ?? [];
        const at: PtrRef = call.msg === null && 'buf' in call.at && calls.length > 0 ? { lit: calls[calls.length - 1 - (call.at.buf % calls.length)]!.at } : call.at;
        const p = this.ptr(at);
        message(at, call.msg);
        if (call.msg === null && validAt(p, MSG.BYTES)) {
          const word = new Uint8Array(4);
          new DataView(word.buffer).setUint32(0, call.p0, true);
          out.realWrites.push({ at: p + MSG.PAYLOAD, bytes: word });
          out.modelWrites.push({ at: p + MSG.PAYLOAD, bytes: word });
        }
        break;
      }
      case 'bind':
        h(call.h);
        path(call.path, call.len);
        break;
      case 'unbind':
        path(call.path, call.len);
        break;
      case 'connect':
        path(call.path, call.len);
        out.handleIn = pid;
        break;
      case 'dup':
        h(call.h);
        out.handleIn = pid;
        break;
      case 'grant': {
        h(call.h);
        const target = this.pidValue(call.pid);
        plain(target);
        if (typeof target === 'number') out.handleIn = target;
        break;
      }
      case 'close':
      case 'revoke':
      case 'chan-close':
      case 'sem-wait':
      case 'sem-trywait':
      case 'sem-post':
      case 'sem-close':
        h(call.h);
        break;
      case 'info':
      case 'ring-map': {
        h(call.h);
        const p = this.ptr(call.at);
        plain(p);
        const length = call.op === 'info' ? LIMIT.HANDLE_INFO_BYTES : LIMIT.RING_MAP_BYTES;
        if (validAt(p, length)) out.window = { at: p, length, kind: call.op === 'info' ? 'info' : 'ring' };
        break;
      }
      case 'wait':
        h(call.h);
        plain(call.ns);
        if (call.events !== undefined) plain(call.events);
        break;
      case 'unknown':
        plain(0);
        break;
      case 'page-alloc':
        plain(call.n);
        break;
      case 'page-free':
        plain(this.pageAddr(call.addr, pid));
        plain(call.n);
        break;
      case 'page-send':
        plain(this.pidValue(call.pid));
        plain(call.type);
        plain(this.pageAddr(call.addr, pid));
        plain(call.n);
        plain(call.flags);
        break;
      case 'page-register':
      case 'page-unregister':
        plain(call.type);
        break;
      case 'page-take': {
        const p = this.ptr(call.at);
        plain(p);
        if (call.timeout !== undefined) plain(call.timeout);
        if (validAt(p, PAGE.TAKE_RECORD_BYTES)) out.window = { at: p, length: PAGE.TAKE_RECORD_BYTES, kind: 'raw' };
        break;
      }
      case 'page-accept':
      case 'page-abandon':
        plain(this.deliveryId(call.id, pid));
        break;
      case 'page-read':
      case 'page-write': {
        const p = this.dataPtr(call.at);
        plain(this.pageAddr(call.addr, pid));
        plain(p);
        if (call.len !== undefined) plain(call.len);
        const len = typeof call.len === 'number' && call.len >= 0 ? call.len : 0;
        if (validAt(p, len) && len > 0) {
          if (call.op === 'page-read') out.window = { at: p, length: len, kind: 'raw' };
          else {
            const bytes = ProgramRun.pattern(call.fill, len);
            out.realWrites.push({ at: p, bytes });
            out.modelWrites.push({ at: p, bytes });
          }
        }
        break;
      }
      case 'send-data': {
        const p = this.dataPtr(call.at);
        plain(this.pidValue(call.pid));
        plain(p);
        if (call.len !== undefined) plain(call.len);
        const len = call.len === undefined ? 512 : typeof call.len === 'number' && call.len > 0 ? call.len : 0;
        if (validAt(p, len) && len > 0) {
          const bytes = ProgramRun.pattern(call.fill, len);
          out.realWrites.push({ at: p, bytes });
          out.modelWrites.push({ at: p, bytes });
        }
        break;
      }
      case 'receive-data': {
        const p = this.dataPtr(call.at);
        plain(call.mode);
        plain(p);
        // The whole room a message may take, and past it: nothing beyond its length may be written.
        if (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p < MEMORY_BYTES) out.window = { at: p, length: Math.min(600, MEMORY_BYTES - p), kind: 'raw' };
        break;
      }
    }
    return out;
  }

  // --- comparison ------------------------------------------------------------

  private check(what: string, problem: string | null): void {
    if (problem !== null) this.fail(`${what}: ${problem}`);
  }

  /** Compares a completed syscall's return value and memory window with the model's. */
  private compare(pid: number, res: Resolved, real: SyscallOutcome, modelR: number, label: string): void {
    coverage.steps++;
    count(res.nr, real.r);
    this.log.push(`    ${label} -> kernel ${real.r}, model ${isModelName('handle', modelR) ? 'new handle' : modelR}`);
    if (res.handleIn !== undefined && isModelName('handle', modelR)) this.check(`${label} returned handle`, this.names.match('handle', res.handleIn, real.r, modelR));
    else if (real.r !== modelR) this.fail(`${label} returned ${real.r}, the model says ${modelR}`);
    const w = res.window;
    if (w === undefined || real.window === null) return;
    const mem = this.model.memory(pid);
    const mine = mem.subarray(w.at, w.at + w.length);
    const theirs = real.window;
    if (w.kind === 'ring') {
      if (real.r >= 0) mine.set(theirs);
      return;
    }
    if (w.kind === 'raw') {
      // Only what the syscall wrote is compared: a take's record buffer may hold a message the two worlds wrote with their own handle values.
      if (real.r <= 0) return;
      for (let i = 0; i < w.length; i++) {
        if (theirs[i] !== mine[i]) this.fail(`${label}: byte ${i} of the ${w.length} at ${w.at} is ${theirs[i]}, the model ${mine[i]}`);
      }
      if (res.nr === PAGE_NR.TAKE && real.r === 1) {
        const list = this.taken.get(pid) ?? [];
        list.push(u32(theirs, 0));
        this.taken.set(pid, list);
      }
      return;
    }
    if (w.kind === 'info') {
      if (real.r !== 0) return;
      if (u32(theirs, 0) !== u32(mine, 0) || u32(theirs, 4) !== u32(mine, 4)) this.fail(`${label} wrote info type/rights ${u32(theirs, 0)}/${u32(theirs, 4)}, the model ${u32(mine, 0)}/${u32(mine, 4)}`);
      const id = (b: Uint8Array): number => u32(b, 8) + u32(b, 12) * 2 ** 32;
      this.check(`${label} object id`, this.names.match('object', 0, id(theirs), id(mine)));
      // The kernel never reads an object id back: let the model's memory hold the kernel's, like the rest of the bytes.
      mine.set(theirs.subarray(8, 16), 8);
      return;
    }
    if (u32(theirs, MSG.SENDER) !== u32(mine, MSG.SENDER)) this.fail(`${label}: message sender ${u32(theirs, 0)}, the model ${u32(mine, 0)}`);
    this.check(`${label}: message token`, this.names.match('token', u32(theirs, MSG.SENDER), i32(theirs, MSG.TOKEN), i32(mine, MSG.TOKEN)));
    if (u32(theirs, MSG.TYPE) !== u32(mine, MSG.TYPE)) this.fail(`${label}: message type ${u32(theirs, MSG.TYPE)}, the model ${u32(mine, MSG.TYPE)}`);
    this.check(`${label}: message flags`, this.names.match('handle', pid, i32(theirs, MSG.FLAGS), i32(mine, MSG.FLAGS)));
    for (let i = MSG.PAYLOAD; i < MSG.BYTES; i++) {
      if (theirs[i] !== mine[i]) this.fail(`${label}: payload byte ${i - MSG.PAYLOAD} is ${theirs[i]}, the model ${mine[i]}`);
    }
    // Remember calls received, for replies.
    if ((res.nr === 202 || res.nr === 207) && real.r === 0 && u32(theirs, MSG.TOKEN) !== 0) {
      const list = this.received.get(pid) ?? [];
      list.push({ pid: u32(theirs, MSG.SENDER), token: u32(theirs, MSG.TOKEN), at: w.at });
      this.received.set(pid, list);
    }
  }

  // --- the kernel's view of blocked tasks ---------------------------------------

  private blockedIn(pid: number): 'reply' | 'other' | undefined {
    const t = taskInfo(this.kernel, pid);
    if (t?.state !== 'blocked' || t.blockedOn === undefined) return undefined;
    return t.blockedOn.event === 'reply' ? 'reply' : 'other';
  }

  /** Waits until the kernel shows `b` asleep where the model parked it. */
  private async seeBlocked(b: Blocked, label: string): Promise<void> {
    const want = this.model.parkedOn(b.pid);
    try {
      await waitFor(() => b.pending.settled || this.blockedIn(b.pid) === want, `${label} to block`, KERNEL_MS);
    } catch {
      this.fail(`${label}: the model parks it (${want}); the kernel never showed it blocked so`);
    }
    if (b.pending.settled) this.fail(`${label} returned ${(await b.pending).r}; the model says it blocks (${want})`);
  }

  private label(pid: number, step: number, nr: number): string {
    return `#${step} pid ${pid} nr ${nr}`;
  }

  /** Lets every parked syscall the model wakes complete (or queue its call), in the order the kernel picks. */
  private async settleWakes(): Promise<void> {
    for (;;) {
      const wakes = this.model.wakeable();
      if (wakes.length === 0) break;
      const deadline = Date.now() + KERNEL_MS;
      let chosen: number | undefined;
      while (chosen === undefined) {
        for (const b of this.blocked.values()) {
          if (!b.pending.settled) continue;
          if (wakes.some((w) => w.pid === b.pid && w.does === 'complete')) chosen = b.pid;
          else this.fail(`${this.label(b.pid, b.step, b.resolved.nr)} returned ${(await b.pending).r}; the model says it is still blocked`);
        }
        if (chosen === undefined) for (const w of wakes) if (w.does === 'queue-call' && this.blockedIn(w.pid) === 'reply') chosen = w.pid;
        if (chosen !== undefined) break;
        if (Date.now() > deadline) this.fail(`the model wakes ${wakes.map((w) => `${w.pid} (${w.does})`).join(', ')}; the kernel did not within ${KERNEL_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const b = this.blocked.get(chosen)!;
      const label = this.label(b.pid, b.step, b.resolved.nr);
      const out = this.model.resume(chosen);
      if (out.done) coverage.woken++;
      else coverage.callsQueuedOnWake++;
      this.log.push(`  ${label} wakes: ${out.done ? 'returns' : 'call queued, waits for the reply'}`);
      if (out.done) {
        this.blocked.delete(chosen);
        this.compare(b.pid, b.resolved, await b.pending, out.r, label);
      }
    }
    for (const b of this.blocked.values()) {
      if (b.pending.settled) this.fail(`${this.label(b.pid, b.step, b.resolved.nr)} returned ${(await b.pending).r}; the model says it is still blocked`);
    }
  }

  // --- the run ---------------------------------------------------------------

  /**
   * The agent that issues `step`: the one it names, or the next one that is
   * not blocked; and for a syscall on "a handle of this task's" of some kind,
   * the first of those that holds one of that kind. -1 when all are blocked.
   */
  private issuer(step: Step): number {
    const n = this.agents.length;
    const all: number[] = [];
    for (let k = 0; k < n; k++) {
      const j = (step.task + k) % n;
      const pid = this.agents[j]!.pid;
      if (this.model.parkedOn(pid) === undefined && this.model.state.tasks[pid]!.alive) all.push(j);
    }
    // Strat9 numbers only on Strat9 tasks (some mean something else to rou2exOS: 3 is its pipe);
    // rou2exOS numbers on rou2exOS tasks if one is free (a Strat9 task answers ENOSYS).
    const wants = personalityOf(step.call.op);
    const personality = (j: number): string => this.model.state.tasks[this.agents[j]!.pid]!.personality;
    const fitting = wants === 'any' ? all : all.filter((j) => personality(j) === wants);
    const free = fitting.length > 0 || wants === 'rou2exos' ? (fitting.length > 0 ? fitting : all) : [];
    if (free.length === 0) return -1;
    const s = this.model.state;
    const pidOf = (j: number): number => this.agents[j]!.pid;
    // Page IPC: a task that maps pages, has a delivery pending or has taken one, where the step needs it.
    const pageNeed: ((j: number) => boolean) | undefined = (() => {
      const c = step.call;
      if ((c.op === 'page-send' || c.op === 'page-free' || c.op === 'page-read' || c.op === 'page-write') && 'mapped' in c.addr) return (j: number) => s.tasks[pidOf(j)]!.space.some((e) => e !== null);
      if (c.op === 'page-take' && step.task % 2 === 0) return (j: number) => s.deliveries.some((d) => d !== null && d.state === 'pending' && d.receiver === pidOf(j));
      if ((c.op === 'page-accept' || c.op === 'page-abandon') && 'taken' in c.id) return (j: number) => s.deliveries.some((d) => d !== null && d.state === 'taken' && d.receiver === pidOf(j));
      return undefined;
    })();
    if (pageNeed !== undefined) return free.find(pageNeed) ?? free[0]!;
    const kind = KIND_OF[step.call.op];
    const h = (step.call as { h?: HandleRef }).h;
    if (kind === undefined || h === undefined || !('own' in h)) return free[0]!;
    const holds = (j: number): boolean => s.nodes.some((x) => x.pid === this.agents[j]!.pid && s.objects[x.objectId]!.kind === kind);
    return free.find(holds) ?? free[0]!;
  }

  /** The kernel's pool and delivery counts must be the model's (after a death: nothing leaked, nothing freed early). */
  private compareUsage(label: string): void {
    const real = this.kernel.usage();
    const mine = this.model.usage();
    if (real.pages !== mine.pages || real.deliveries !== mine.deliveries) {
      this.fail(`${label}: the kernel uses ${real.pages} pool pages and ${real.deliveries} delivery records, the model ${mine.pages} and ${mine.deliveries}`);
    }
  }

  /** Terminates agent `index` (alive, not blocked, two others alive) and applies the death cleanup (docs/tasks.md) to the model. */
  private async kill(index: number, step: number): Promise<void> {
    const agent = this.agents[index % this.agents.length]!;
    const s = this.model.state;
    const others = this.agents.filter((a) => a !== agent && s.tasks[a.pid]!.alive).length;
    if (!s.tasks[agent.pid]!.alive || this.model.parkedOn(agent.pid) !== undefined || others < 2) {
      this.log.push(`#${step} kill of pid ${agent.pid} skipped`);
      return;
    }
    const label = `#${step} pid ${agent.pid} killed`;
    this.log.push(label);
    try {
      await within(agent.terminate(), KERNEL_MS, label);
    } catch {
      this.fail(`${label}: the kernel did not reap it within ${KERNEL_MS} ms`);
    }
    this.model.kill(agent.pid);
    coverage.kills++;
    this.compareUsage(label);
  }

  async run(steps: Step[]): Promise<void> {
    const n = this.agents.length;
    for (let i = 0; i < steps.length; i++) {
      this.step = i;
      const step = steps[i]!;
      if (step.call.op === 'kill') {
        await this.kill(step.call.agent, i);
        await this.settleWakes();
        continue;
      }
      const taskIndex = this.issuer(step);
      if (taskIndex < 0) {
        this.log.push(`#${i} skipped: every agent that could issue it is blocked`);
        continue;
      }
      const agent = this.agents[taskIndex]!;
      const res = this.resolve(taskIndex, step.call);
      const label = this.label(agent.pid, i, res.nr);
      this.log.push(`${label} ${step.call.op}(${res.realArgs.map(describe).join(', ')}) model(${res.modelArgs.map(describe).join(', ')})`);
      const mem = this.model.memory(agent.pid);
      for (const w of res.modelWrites) mem.set(w.bytes, w.at);
      const pending = agent.startSyscall(res.nr, res.realArgs, res.realWrites, res.window ? { at: res.window.at, length: res.window.length } : undefined);
      const out: Outcome = this.model.syscall(agent.pid, res.nr, res.modelArgs);
      if (out.done) {
        let real: SyscallOutcome;
        try {
          real = await within(pending, KERNEL_MS, label);
        } catch {
          this.fail(`${label}: the model returns ${out.r} at once; the kernel did not return within ${KERNEL_MS} ms`);
        }
        this.compare(agent.pid, res, real, out.r, label);
      } else {
        const b: Blocked = { pid: agent.pid, step: i, resolved: res, pending };
        this.blocked.set(agent.pid, b);
        coverage.parked++;
        this.log.push(`    parked (${this.model.parkedOn(agent.pid)})`);
        await this.seeBlocked(b, label);
      }
      await this.settleWakes();
    }
    // The end: whatever the model keeps parked must still be asleep in the kernel.
    this.step = steps.length;
    for (const b of this.blocked.values()) await this.seeBlocked(b, this.label(b.pid, b.step, b.resolved.nr));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await this.settleWakes();
    this.compareUsage('the end');
    if (process.env.KIPC_MODEL_TRACE) console.log(this.log.join('\n'));
  }
}

/** Runs `program` on a fresh kernel and on the model; throws ModelMismatch at the first difference. */
export async function runProgram(program: Program): Promise<void> {
  const kernel = Kernel.create({ ...PROGRAM_LIMITS, spin: program.spin });
  try {
    // The last `rou2exos` agents are rou2exOS tasks; spawned in order (each takes its mailbox's pages at spawn).
    const personalityAt = (i: number): 'strat9' | 'rou2exos' => (i >= program.agents - (program.rou2exos ?? 0) ? 'rou2exos' : 'strat9');
    const agents = await Promise.all(Array.from({ length: program.agents }, (_, i) => ModelAgent.spawn(kernel, personalityAt(i))));
    const personalities = Object.fromEntries(agents.map((a, i) => [a.pid, personalityAt(i)]));
    const model = new KernelModel({ ...PROGRAM_LIMITS, memoryBytes: MEMORY_BYTES }, [kernel.task.pid, ...agents.map((a) => a.pid)], personalities);
    await new ProgramRun(kernel, agents, model).run(program.steps);
    const problems = kernel.check();
    if (problems.length > 0) throw new ModelMismatch(`kernel.check() after the program: ${problems.join('; ')}`);
  } finally {
    await kernel.close();
  }
}
