/**
 * Task: a thread's handle on the kernel as one task. It speaks the numbered
 * ABI (`syscall`, `syscallAsync`) against its private user memory, and the
 * typed API (ports, names, replies) over the same kernel ops.
 */
import '../objects/registry.js';
import type { Region } from '../core/region.js';
import { TaskContext } from '../core/context.js';
import { type MessageMemory, messageMemory } from '../core/copy.js';
import { strat9Syscall, strat9SyscallAsync } from '../syscalls/strat9.js';
import { rou2exosSyscall, rou2exosSyscallAsync } from '../syscalls/rou2exos.js';
import { isPageSyscall, pageSyscall, pageSyscallAsync } from '../syscalls/page-ipc.js';
import { PERSONALITY_ROU2EXOS } from '../syscalls/numbers.js';
import { POLICY_CONNECT, T_PERSONALITY } from '../core/layout.js';
import { Mailbox } from '../api/mailbox.js';
import { Network } from '../api/network.js';
import { Keyboard } from '../api/keyboard.js';
import { Pages } from '../api/pages.js';
import { createPort, DEFAULT_PORT_CAPACITY } from '../objects/port/port.js';
import { connect, unbind } from '../objects/namespace/namespace.js';
import { type NamespacePolicy, narrowPolicy, parseNamespacePolicy } from '../objects/namespace/policy.js';
import { checkNamespaceResult } from '../api/namespace.js';
import { reply } from '../objects/port/call.js';
import { check, KernelClosedError, PermissionError } from '../api/errors.js';
import { Port } from '../api/port.js';
import { type ExposeOptions, type Exposed, exposeOn } from '../api/expose.js';
import { type AsyncWrapOptions, cancelThrough, type Remote, type RemoteSync, type WrapOptions, wrapPort, wrapPortSync } from '../api/wrap.js';

import {
  type BytesChannelOptions,
  type ChannelEnds,
  type ChannelOptions,
  ChannelReceiver,
  ChannelSender,
  createChannelEnds,
  formatOfHandle,
  type ValueChannelOptions,
} from '../api/channel.js';
import type { CodecOption } from '../api/codec.js';
import { Semaphore } from '../api/semaphore.js';
import { Ring } from '../api/ring.js';
import { createSemaphore } from '../objects/semaphore/semaphore.js';
import { createRing } from '../objects/ring/ring.js';
import type { Message } from '../api/message.js';
import { snapshot, usage, type KernelSnapshot, type KernelUsage } from './snapshot.js';
import { EPERM, EPIPE, ESHUTDOWN } from '../core/errno.js';
import { refuseGrants } from '../ops/handle-ops.js';
import { quotasOf, type TaskQuotas } from '../core/quota.js';

/** The name under an exposed service's path where its cancel port is bound. */
const CANCEL_NAME = '.cancel';

export interface PortOptions {
  /** Queue capacity in messages, 1..65536. Default 16 (Strat9's). */
  capacity?: number;
}

export class Task<D = unknown> {
  /** This task's pid (init is 1). Stale pids never name a newer task. */
  readonly pid: number;
  /** The `data` given to spawn (undefined for init). */
  readonly data: D;
  /**
   * The handles spawn gave this task (`SpawnOptions.handles`), in the order
   * given: their values in this task's table, installed before it ran
   * (`task.port(task.handles[0])`...). Empty for init and joined tasks.
   */
  readonly handles: readonly number[];
  /** @internal */
  readonly ctx: TaskContext;
  /** The syscall numbering this task speaks: 'strat9' or 'rou2exos' (docs/README.md, "Syscalls"), chosen at spawn. */
  readonly personality: 'strat9' | 'rou2exos';
  private userMemory: MessageMemory;
  private wasmMemory: WebAssembly.Memory | undefined;
  private readonly table: typeof strat9Syscall;
  private readonly tableAsync: typeof strat9SyscallAsync;
  private mailboxApi: Mailbox | undefined;
  private networkApi: Network | undefined;
  private keyboardApi: Keyboard | undefined;
  private pagesApi: Pages | undefined;

  /** @internal Use `Kernel.create().task` or `attach()`. */
  constructor(region: Region, slot: number, pid: number, memoryBytes: number, data: D, handles: readonly number[] = []) {
    region.lockTag = slot + 1;
    this.ctx = new TaskContext(region, slot, pid);
    this.pid = pid;
    this.data = data;
    this.handles = Object.freeze([...handles]);
    this.userMemory = messageMemory(new Uint8Array(memoryBytes));
    const rou2exos = region.w[region.task(slot) + T_PERSONALITY] === PERSONALITY_ROU2EXOS;
    this.personality = rou2exos ? 'rou2exos' : 'strat9';
    this.table = rou2exos ? rou2exosSyscall : strat9Syscall;
    this.tableAsync = rou2exos ? rou2exosSyscallAsync : strat9SyscallAsync;
  }

  /** The task's private user memory: pointer arguments of syscalls are offsets into it. */
  get memory(): Uint8Array {
    if (this.wasmMemory !== undefined && this.wasmMemory.buffer !== this.userMemory.bytes.buffer) this.refreshWasm();
    return this.userMemory.bytes;
  }

  /**
   * Replaces the user memory, e.g. with a WebAssembly instance's memory so
   * that a wasm program's pointers are syscall pointers. Growth is followed.
   */
  useMemory(memory: Uint8Array | WebAssembly.Memory): void {
    if (memory instanceof Uint8Array) {
      this.wasmMemory = undefined;
      this.userMemory = messageMemory(memory);
    } else {
      this.wasmMemory = memory;
      this.refreshWasm();
    }
  }

  private refreshWasm(): void {
    this.userMemory = messageMemory(new Uint8Array(this.wasmMemory!.buffer as ArrayBuffer));
  }

  private mem(): MessageMemory {
    if (this.wasmMemory !== undefined && this.wasmMemory.buffer !== this.userMemory.bytes.buffer) this.refreshWasm();
    return this.userMemory;
  }

  /**
   * Issues syscall `nr` of this task's personality (docs/README.md, "Syscalls"),
   * or of page IPC (numbers 300-309, every personality; docs/objects/pages.md).
   * Returns a value >= 0 on success and -errno on failure; never throws for
   * a bad argument. Blocking syscalls put this thread to sleep.
   */
  syscall(nr: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown): number {
    try {
      if (isPageSyscall(nr)) return pageSyscall(this.ctx, this.mem(), nr, a0, a1, a2, a3, a4);
      return this.table(this.ctx, this.mem(), nr, a0, a1, a2, a3, a4);
    } catch (error) {
      return closedErrno(error);
    }
  }

  /** Like {@link syscall}, but a blocking syscall waits without blocking the event loop. */
  async syscallAsync(nr: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown): Promise<number> {
    try {
      if (isPageSyscall(nr)) return await pageSyscallAsync(this.ctx, this.mem(), nr, a0, a1, a2, a3, a4);
      return await this.tableAsync(this.ctx, this.mem(), nr, a0, a1, a2, a3, a4);
    } catch (error) {
      return closedErrno(error);
    }
  }

  /** This task's mailbox (rou2exOS, docs/objects/mailbox.md): byte messages from any task, and network frames. */
  get mailbox(): Mailbox {
    return (this.mailboxApi ??= new Mailbox(this.ctx));
  }

  /** Network registrations and the driver's transmit (docs/objects/network.md); frames arrive in {@link mailbox}. */
  get network(): Network {
    return (this.networkApi ??= new Network(this.ctx));
  }

  /** The keyboard pipe (docs/objects/keyboard-pipe.md): subscribe to scancodes. */
  get keyboard(): Keyboard {
    return (this.keyboardApi ??= new Keyboard(this.ctx));
  }

  /** Page IPC (docs/objects/pages.md): this task's page space, sends of pages, and handlers per message type. */
  get pages(): Pages {
    return (this.pagesApi ??= new Pages(this.ctx));
  }

  /** @internal The kernel is closing: stop what runs on this thread's event loop on the kernel's behalf. */
  stopUpcalls(): void {
    this.pagesApi?.stopUpcalls();
  }

  /** Creates a port owned by this task; it dies when this task closes it or exits. */
  createPort(options?: PortOptions): Port {
    return new Port(this.ctx, check(createPort(this.ctx, options?.capacity ?? DEFAULT_PORT_CAPACITY), 'createPort'));
  }

  /**
   * A send-only port handle to the service bound at the longest prefix of
   * `path`. NotFoundError if none (that this task may see);
   * PermissionError if its namespace policy allows no connect there.
   */
  connect(path: string): Port {
    const bytes = new TextEncoder().encode(path);
    return new Port(this.ctx, checkNamespaceResult(this.ctx, connect(this.ctx, messageMemory(bytes), 0, bytes.length), POLICY_CONNECT, path, bytes, `connect('${path}')`));
  }

  /**
   * Narrows this task's namespace policy to `policy` for good (see
   * Kernel.spawn's `namespace`): an omitted list allows nothing of that
   * kind. Every prefix must lie within what the task may already do, so a
   * task can give up access but never gain it. Throws TypeError or
   * RangeError for a malformed policy and PermissionError when it would
   * widen the current one; either way nothing changes.
   */
  restrictNamespace(policy: NamespacePolicy): void {
    const entries = parseNamespacePolicy(policy, this.ctx.r.maxPathBytes, 'restrictNamespace');
    if (narrowPolicy(this.ctx, entries) === -EPERM) {
      throw new PermissionError(EPERM, 'restrictNamespace: a prefix lies outside what this task may bind or connect to now, and a policy can only narrow (EPERM)');
    }
  }

  /** Removes the name `path` (the port lives on). Only its binder or the port's owner may. */
  unbind(path: string): void {
    const bytes = new TextEncoder().encode(path);
    check(unbind(this.ctx, messageMemory(bytes), 0, bytes.length), `unbind('${path}')`);
  }

  /** Wraps a raw handle value (received in a message, or granted) as a Port. */
  port(handle: number): Port {
    return new Port(this.ctx, handle);
  }

  /**
   * Replies to the call `message` was received as (its `sender` names the
   * call). Returns false when the caller has gone (gave up or died).
   * Throws PermissionError when this task holds no reply right for it.
   */
  reply(message: Message): boolean {
    const r = reply(this.ctx, message, 0);
    if (r === -EPIPE) return false;
    check(r, 'reply');
    return true;
  }

  /**
   * Serves `api`'s methods at `path` (a new port bound there): callers use
   * {@link wrap} or {@link wrapSync}. Sync and async methods; up to
   * `concurrency` calls at once (default 64); each method gets a
   * CallContext after its arguments, whose `signal` aborts when the caller
   * aborts or its timeout passes. What a method throws reaches the caller
   * as a RemoteError, and the service goes on. Throws what binding throws
   * (AlreadyExistsError, PermissionError), InvalidArgumentError for a bad
   * `api` or option.
   */
  expose(path: string, api: object, options?: Omit<ExposeOptions, 'cancelPort'>): Exposed {
    const port = this.createPort();
    const cancelPort = this.createPort();
    try {
      port.bind(path);
      cancelPort.bind(`${path}/${CANCEL_NAME}`);
      return exposeOn(port, api, { ...options, cancelPort });
    } catch (error) {
      port.close();
      cancelPort.close();
      throw error;
    }
  }

  /**
   * A typed proxy of the service exposed at `path`: each method call is a
   * call to it and returns a promise of the result (a RemoteError when the
   * method threw, TimeoutError past `timeout`, InterruptedError when
   * `signal` aborts, BrokenPipeError when the service died). Close it with
   * `closeRemote(proxy)`. Throws what connect throws (NotFoundError).
   */
  wrap<T>(path: string, options?: AsyncWrapOptions): Remote<T> {
    const cancel = cancelThrough(() => {
      try {
        return this.connect(`${path}/${CANCEL_NAME}`);
      } catch {
        return undefined;
      }
    }, options?.codec);
    return wrapPort<T>(this.connect(path), options, cancel);
  }

  /**
   * As {@link wrap}, with methods that block this thread until the result
   * is there (the synckit use case: a worker's async work made sync).
   */
  wrapSync<T>(path: string, options?: WrapOptions): RemoteSync<T> {
    return wrapPortSync<T>(this.connect(path), options);
  }

  /**
   * Creates a channel and returns its sender and receiver ends. It carries
   * 64-byte Messages by default; byte strings of up to `maxBytes` with
   * `maxBytes`; any values with a `codec` too ('msgpack', 'structured',
   * 'json' or your own; the channel records which). Grant an end to give it to another task, which wraps it with
   * {@link channelSender} / {@link channelReceiver}.
   */
  createChannel(options?: ChannelOptions): ChannelEnds<Message>;
  createChannel(options: BytesChannelOptions): ChannelEnds<Uint8Array>;
  createChannel<T>(options: ValueChannelOptions<T>): ChannelEnds<T>;
  createChannel<T>(options?: Partial<ValueChannelOptions<T>>): ChannelEnds<T> {
    return createChannelEnds(this.ctx, options);
  }

  /**
   * Wraps a channel handle (granted or received) as a sender end. A value
   * channel of a built-in codec needs no `codec`; one of your own does.
   * CodecMismatchError when `codec` is not the channel's.
   */
  channelSender<T = Message>(handle: number, options?: { codec?: CodecOption<T> }): ChannelSender<T> {
    return new ChannelSender(this.ctx, handle, formatOfHandle(this.ctx, handle, options?.codec, 'channelSender'));
  }

  /**
   * Wraps a channel handle (granted or received) as a receiver end. A value
   * channel of a built-in codec needs no `codec`; one of your own does.
   * CodecMismatchError when `codec` is not the channel's.
   */
  channelReceiver<T = Message>(handle: number, options?: { codec?: CodecOption<T> }): ChannelReceiver<T> {
    return new ChannelReceiver(this.ctx, handle, formatOfHandle(this.ctx, handle, options?.codec, 'channelReceiver'));
  }

  /** Creates a semaphore with count `initial` (default 0). */
  createSemaphore(initial = 0): Semaphore {
    return new Semaphore(this.ctx, check(createSemaphore(this.ctx, initial), 'createSemaphore'));
  }

  /** Wraps a semaphore handle (granted or received). */
  semaphore(handle: number): Semaphore {
    return new Semaphore(this.ctx, handle);
  }

  /** Creates a shared ring of at least `size` bytes (whole 4 KiB pages). */
  createRing(size: number): Ring {
    return new Ring(this.ctx, check(createRing(this.ctx, size), 'createRing'));
  }

  /** Wraps a ring handle (granted or received). */
  ring(handle: number): Ring {
    return new Ring(this.ctx, handle);
  }

  /**
   * Refuses (true) or accepts again (false) handles other tasks push into
   * this task with HANDLE_GRANT; a refused grant fails for the granter with
   * QuotaExceededError (quota 'acceptGrants'). Handles received in messages
   * and replies, which this task chose to receive, are unaffected.
   */
  refuseGrants(refuse: boolean): void {
    if (typeof refuse !== 'boolean') throw new TypeError(`Task.refuseGrants: refuse must be a boolean, got ${String(refuse)}`);
    check(refuseGrants(this.ctx, refuse), 'Task.refuseGrants');
  }

  /** This task's quota limits and what it is charged now (docs/quotas.md). */
  quotas(): TaskQuotas {
    return quotasOf(this.ctx.r, this.ctx.slot);
  }

  /** Tasks, objects and names of the whole kernel, as they are now. */
  snapshot(): KernelSnapshot {
    return snapshot(this.ctx.r);
  }

  /** How much of each kernel table is in use. */
  usage(): KernelUsage {
    return usage(this.ctx.r);
  }
}

/** A syscall of a closed task returns -ESHUTDOWN (the ABI never throws); anything else is a kipc bug and propagates. */
function closedErrno(error: unknown): number {
  if (error instanceof KernelClosedError) return -ESHUTDOWN;
  throw error;
}
