/**
 * Numbered-syscall helpers, used by the ABI suites (test/abi) and a few
 * others: raw access to a task's user memory (messages, HANDLE_INFO
 * records, paths) and the test side of the remote-syscall agent
 * (abi-agent.ts). Not a fixture that is spawned.
 *
 * The agent is driven through the kernel's own IPC, unlike the agents of
 * agent.ts: its control port (init) and connection (agent) are part of what
 * the ABI suites count, e.g. a full handle table of two.
 */
import { Message, sys, type Kernel, type NamespacePolicy, type Port, type Task, type TaskExit, type TaskHandle, type TaskInfo } from '../../src/index.js';
import { fixture } from './fixtures.js';
import { waitBlocked } from './blocked.js';

/** Fields of an IpcMessage as the tests write and read them (all u32). */
export interface MsgFields {
  senderLo?: number;
  senderHi?: number;
  type?: number;
  flags?: number;
  p0?: number;
  p1?: number;
}
export type Msg = Required<MsgFields>;

export interface Info {
  type: number;
  rights: number;
  id: number;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Writes a whole 64-byte message (zeroes, then the given fields) at `at`. Returns `at`. */
export function writeMsg(bytes: Uint8Array, at: number, f: MsgFields): number {
  bytes.fill(0, at, at + 64);
  const v = viewOf(bytes);
  v.setUint32(at, f.senderLo ?? 0, true);
  v.setUint32(at + 4, f.senderHi ?? 0, true);
  v.setUint32(at + 8, f.type ?? 0, true);
  v.setUint32(at + 12, f.flags ?? 0, true);
  v.setUint32(at + 16, f.p0 ?? 0, true);
  v.setUint32(at + 20, f.p1 ?? 0, true);
  return at;
}

/** Changes some fields of the message at `at`, keeping the others (e.g. sender). */
export function patchMsg(bytes: Uint8Array, at: number, f: MsgFields): number {
  const v = viewOf(bytes);
  if (f.senderLo !== undefined) v.setUint32(at, f.senderLo, true);
  if (f.senderHi !== undefined) v.setUint32(at + 4, f.senderHi, true);
  if (f.type !== undefined) v.setUint32(at + 8, f.type, true);
  if (f.flags !== undefined) v.setUint32(at + 12, f.flags, true);
  if (f.p0 !== undefined) v.setUint32(at + 16, f.p0, true);
  if (f.p1 !== undefined) v.setUint32(at + 20, f.p1, true);
  return at;
}

export function readMsg(bytes: Uint8Array, at: number): Msg {
  const v = viewOf(bytes);
  return {
    senderLo: v.getUint32(at, true),
    senderHi: v.getUint32(at + 4, true),
    type: v.getUint32(at + 8, true),
    flags: v.getUint32(at + 12, true),
    p0: v.getUint32(at + 16, true),
    p1: v.getUint32(at + 20, true),
  };
}

/** Reads a HANDLE_INFO record {type u32, rights u32, object id u64}. */
export function readInfo(bytes: Uint8Array, at: number): Info {
  const v = viewOf(bytes);
  return { type: v.getUint32(at, true), rights: v.getUint32(at + 4, true), id: v.getUint32(at + 8, true) + v.getUint32(at + 12, true) * 2 ** 32 };
}

/** Writes `path` as UTF-8 at `at`; returns its length in bytes. */
export function writePath(bytes: Uint8Array, at: number, path: string): number {
  const b = new TextEncoder().encode(path);
  bytes.set(b, at);
  return b.length;
}

/** Scratch offset in init's memory used by the helpers below (tests use lower offsets). */
const SCRATCH = 60_000;

/** HANDLE_INFO of `h` in `task`, or throws with the errno. */
export function info(task: Task, h: number): Info {
  const r = task.syscall(sys.SYS_HANDLE_INFO, h, SCRATCH);
  if (r !== 0) throw new Error(`HANDLE_INFO(${h}) failed: ${r}`);
  return readInfo(task.memory, SCRATCH);
}

/** IPC_CREATE_PORT(0) in `task`, or throws. */
export function createPort(task: Task): number {
  const h = task.syscall(sys.SYS_IPC_CREATE_PORT, 0);
  if (h <= 0) throw new Error(`IPC_CREATE_PORT failed: ${h}`);
  return h;
}

/** IPC_BIND_PORT of `h` at `path` (raw result). */
export function bind(task: Task, h: number, path: string): number {
  return task.syscall(sys.SYS_IPC_BIND_PORT, h, SCRATCH, writePath(task.memory, SCRATCH, path));
}

/** A port of `task`'s bound at `path` (default '/abi/svc'), and its object id; throws if the bind fails. */
export function servicePort(task: Task, path = '/abi/svc'): { p: number; id: number } {
  const p = createPort(task);
  const r = bind(task, p, path);
  if (r !== 0) throw new Error(`IPC_BIND_PORT(${path}) failed: ${r}`);
  return { p, id: info(task, p).id };
}

/** IPC_CONNECT to `path` (raw result). */
export function connect(task: Task, path: string): number {
  return task.syscall(sys.SYS_IPC_CONNECT, SCRATCH, writePath(task.memory, SCRATCH, path));
}

/** IPC_UNBIND_PORT of `path` (raw result). */
export function unbind(task: Task, path: string): number {
  return task.syscall(sys.SYS_IPC_UNBIND_PORT, SCRATCH, writePath(task.memory, SCRATCH, path));
}

/** IPC_SEND of a fresh message with `f` (raw result). */
export function send(task: Task, h: number, f: MsgFields = {}): number {
  return task.syscall(sys.SYS_IPC_SEND, h, writeMsg(task.memory, SCRATCH, f));
}

/** IPC_TRY_RECV; the result and the message received (when 0). */
export function tryRecv(task: Task, h: number): { r: number; m: Msg } {
  const r = task.syscall(sys.SYS_IPC_TRY_RECV, h, writeMsg(task.memory, SCRATCH, {}));
  return { r, m: readMsg(task.memory, SCRATCH) };
}

/** The object record `id` in a fresh snapshot. */
export function objectInfo(kernel: Kernel, id: number) {
  return kernel.snapshot().objects.find((o) => o.id === id);
}

/** What the agent reports after each command. */
export interface Report {
  /** The syscall's return value. */
  r: number;
  /** The first 44 bytes of the agent's memory at msgAt, after the syscall. */
  bytes: Uint8Array;
  /** Those bytes read as a message (sender, type, flags, payload u32 0 and 1). */
  msg: Msg;
  /** Those bytes read as a HANDLE_INFO record. */
  info: Info;
}

export interface AgentCall {
  /** Offset in the agent's memory of the message (or record) to prepare and report. */
  at?: number;
  /** Write a fresh message with these fields at `at` before the syscall. */
  fresh?: MsgFields;
  /** Change these fields of the message at `at` (keeping its sender) before the syscall. */
  patch?: MsgFields;
}

let agents = 0;

/**
 * The test side of an agent task: `await agent.syscall(nr, a0, a1, a2)`
 * makes the agent thread issue the syscall; `start` + `result` split it so
 * that the test can act while the agent is blocked in it.
 */
export class Agent {
  readonly pid: number;
  /** Offset in the agent's memory where `connect`/`bind` helpers write paths. */
  static readonly PATH_AT = 4096;
  private readonly ctl: Port;
  private readonly task: TaskHandle;
  private readonly kernel: Kernel;
  private pending: Message | undefined;
  private readonly stop = new AbortController();
  private exit: TaskExit | undefined;

  private constructor(kernel: Kernel, task: TaskHandle, ctl: Port) {
    this.kernel = kernel;
    this.task = task;
    this.ctl = ctl;
    this.pid = task.pid;
    void task.exited.then((e) => {
      this.exit = e;
      this.stop.abort(new Error(`agent ${task.pid} exited: ${JSON.stringify(e)}`));
    });
  }

  /**
   * Spawns an agent. With `namespace`, it is confined by that policy, plus
   * a connect entry for exactly its own control path (which it needs).
   */
  static async spawn(kernel: Kernel, options: { memoryBytes?: number; namespace?: NamespacePolicy } = {}): Promise<Agent> {
    const path = `/abi-ctl/${++agents}`;
    const ctl = kernel.task.createPort();
    ctl.bind(path);
    const namespace = options.namespace && { ...options.namespace, connect: [...(options.namespace.connect ?? []), path] };
    const task = kernel.spawn(fixture('support/abi-agent'), {
      data: { ctl: path },
      ...(options.memoryBytes ? { memoryBytes: options.memoryBytes } : {}),
      ...(namespace ? { namespace } : {}),
    });
    const agent = new Agent(kernel, task, ctl);
    agent.pending = await agent.next();
    return agent;
  }

  /** Object id of the control port (an agent waiting for its next command is blocked on a reply from it). */
  get ctlObjectId(): number {
    return this.ctl.info().objectId;
  }

  get exited(): Promise<TaskExit> {
    return this.task.exited;
  }

  private async next(): Promise<Message> {
    if (this.exit !== undefined) throw new Error(`agent ${this.pid} exited: ${JSON.stringify(this.exit)}`);
    try {
      return await this.ctl.receiveAsync({ timeout: 10_000, signal: this.stop.signal });
    } catch (error) {
      if (this.exit !== undefined) throw new Error(`agent ${this.pid} exited: ${JSON.stringify(this.exit)}`, { cause: error });
      throw error;
    }
  }

  private command(fill: (m: Message) => void): void {
    const m = this.pending;
    if (m === undefined) throw new Error('agent: a command is already running (await result() first)');
    this.pending = undefined;
    const sender = m.bytes.slice(0, 8);
    m.clear();
    m.bytes.set(sender, 0);
    fill(m);
    this.kernel.task.reply(m);
  }

  /** Makes the agent start syscall `nr`; returns at once. */
  start(nr: number, a0 = 0, a1 = 0, a2 = 0, options: AgentCall = {}): void {
    const at = options.at ?? -1;
    const f = options.fresh ?? options.patch ?? {};
    const op = 1 | (options.fresh ? 0x100 : 0) | (options.patch ? 0x200 : 0);
    this.command((m) => {
      const v = new DataView(m.bytes.buffer);
      v.setUint32(16, op, true);
      v.setInt32(20, nr, true);
      v.setInt32(24, a0, true);
      v.setInt32(28, a1, true);
      v.setInt32(32, a2, true);
      v.setInt32(36, at, true);
      v.setUint32(40, f.senderLo ?? 0, true);
      v.setUint32(44, f.senderHi ?? 0, true);
      v.setUint32(48, f.type ?? 0, true);
      v.setUint32(52, f.flags ?? 0, true);
      v.setUint32(56, f.p0 ?? 0, true);
      v.setUint32(60, f.p1 ?? 0, true);
    });
  }

  /** Waits for the result of the command started last. */
  async result(): Promise<Report> {
    if (this.pending !== undefined) throw new Error('agent: no command is running');
    const m = await this.next();
    this.pending = m;
    const bytes = m.bytes.slice(20, 64);
    return { r: new DataView(m.bytes.buffer).getInt32(16, true), bytes, msg: readMsg(bytes, 0), info: readInfo(bytes, 0) };
  }

  /** Runs syscall `nr` in the agent and returns its report. */
  async syscall(nr: number, a0 = 0, a1 = 0, a2 = 0, options: AgentCall = {}): Promise<Report> {
    this.start(nr, a0, a1, a2, options);
    return this.result();
  }

  /** Writes bytes into the agent's memory at `at`. */
  async write(at: number, data: Uint8Array | string): Promise<number> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    for (let done = 0; done < bytes.length || done === 0; ) {
      const chunk = bytes.subarray(done, done + 36);
      this.command((m) => {
        const v = new DataView(m.bytes.buffer);
        v.setUint32(16, 2, true);
        v.setInt32(20, at + done, true);
        v.setInt32(24, chunk.length, true);
        m.bytes.set(chunk, 28);
      });
      await this.result();
      done += chunk.length;
      if (bytes.length === 0) break;
    }
    return bytes.length;
  }

  /** IPC_CONNECT in the agent; returns the raw result (the handle value). */
  async connect(path: string): Promise<number> {
    const len = await this.write(Agent.PATH_AT, path);
    return (await this.syscall(sys.SYS_IPC_CONNECT, Agent.PATH_AT, len)).r;
  }

  /** IPC_BIND_PORT of the agent's handle `h` at `path`; the raw result. */
  async bind(h: number, path: string): Promise<number> {
    const len = await this.write(Agent.PATH_AT, path);
    return (await this.syscall(sys.SYS_IPC_BIND_PORT, h, Agent.PATH_AT, len)).r;
  }

  /** HANDLE_INFO of the agent's handle `h` (raw result and record). */
  async info(h: number): Promise<{ r: number; info: Info }> {
    const rep = await this.syscall(sys.SYS_HANDLE_INFO, h, 256, 0, { at: 256 });
    return { r: rep.r, info: rep.info };
  }

  /** Waits until the agent is parked inside the syscall it was started on (not waiting for a command). */
  /** Starts an IPC_CALL on `h` of a fresh message with `f` and waits until the agent is blocked for the reply from object `objectId`. */
  async callBlocked(h: number, f: MsgFields, objectId: number): Promise<void> {
    this.start(sys.SYS_IPC_CALL, h, 0, 0, { at: 0, fresh: f });
    await this.blocked('reply', objectId);
  }

  async blocked(event: 'readable' | 'writable' | 'reply', objectId?: number): Promise<void> {
    await waitBlocked(this.kernel, this.pid, { event, objectId });
  }

  /** Asks the agent to exit with `code` and waits until it is reaped; closes the control port. */
  async exitWith(code = 0): Promise<TaskExit> {
    this.command((m) => {
      const v = new DataView(m.bytes.buffer);
      v.setUint32(16, 3, true);
      v.setInt32(20, code, true);
    });
    const e = await this.task.exited;
    this.ctl.close();
    return e;
  }

  /** Kills the agent wherever it is; closes the control port. */
  async terminate(): Promise<TaskExit> {
    const e = await this.task.terminate();
    // The control call it was waiting in is abandoned, not freed, until its
    // receiver (this task) answers it: answer it (EPIPE) so nothing is left.
    if (this.pending !== undefined) this.kernel.task.reply(this.pending);
    this.pending = undefined;
    this.ctl.close();
    return e;
  }
}
