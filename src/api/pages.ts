/**
 * Pages: the typed face of page IPC (docs/objects/pages.md). A task allocates 4 KiB
 * pages in its page space, reads and writes them (rights enforced: a
 * read-only mapping refuses writes with FaultError and offers no writable
 * view), and sends runs of them to other tasks, whose handler for the
 * message type runs like a signal on their event loop and accepts the
 * pages (returns true or nothing) or abandons them (returns false).
 *
 * ```ts
 * // receiver
 * task.pages.handle(7, (d) => { console.log(d.sender, d.read(0, 5)); });
 * // sender
 * const addr = task.pages.alloc(256);                   // 1 MiB
 * task.pages.write(addr, bytes);
 * task.pages.send(receiverPid, 7, addr, 256);           // a move: the sender loses the pages
 * task.pages.send('others', 7, addr, 256, { keep: true });  // share with every other task
 * ```
 */
import * as L from '../core/layout.js';
import { EINTR, WOULD_BLOCK } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import { messageMemory } from '../core/copy.js';
import {
  type DeliveryInfo,
  checkAccess,
  pageAbandon,
  pageAccept,
  pageAlloc,
  pageFree,
  pageRead,
  pageSend,
  pageTake,
  pageWrite,
  registerHandler,
  unregisterHandler,
} from '../objects/page-ipc/page-ipc.js';
import { NO_MEMORY, blocking, blockingAsync } from '../ops/blocking.js';
import { pageTakeInfo } from '../ops/page-ops.js';
import { check, errorFor, type KipcError } from './errors.js';
import { type WaitOptions } from './handle.js';
import { deadlineFromTimeout, optionsOf } from './arguments.js';

/** Who a send goes to: a pid, the sender itself, every live task, or every other live task. */
export type PageTarget = number | 'self' | 'all' | 'others';

export interface PageSendOptions {
  /** The sender keeps its access and shares the pages (flag bit 0); default false: a move. */
  keep?: boolean;
  /** Receivers may write the pages (bit 1); default false: read-only for them. */
  receiverWrites?: boolean;
  /** Each receiver gets its own copy and the sender is untouched (bit 2). */
  duplicate?: boolean;
}

/** What a send did, per target. */
export interface PageSendResult {
  /** How many targets the pages went to. */
  delivered: number;
  /** Every target considered, with the error that kept the pages from it (NotFoundError: no handler for the type). */
  targets: { pid: number; error?: KipcError }[];
}

/** The flags word of a send (docs/objects/pages.md, "The flags"). */
export function sendFlags(target: PageTarget, options: PageSendOptions = {}): number {
  const targetBits =
    target === 'self' ? L.SEND_TARGET_SELF : target === 'all' ? L.SEND_TARGET_ALL : target === 'others' ? L.SEND_TARGET_OTHERS : L.SEND_TARGET_PID;
  return (
    (options.keep ? L.SEND_KEEP : 0) |
    (options.receiverWrites ? L.SEND_RECEIVER_WRITES : 0) |
    (options.duplicate ? L.SEND_DUPLICATE : 0) |
    (targetBits << L.SEND_TARGET_SHIFT)
  );
}

/** Pages handed to a handler: mapped in the receiver's space until it decides. */
export class PageDelivery {
  private decided = false;

  /** @internal */
  constructor(
    private readonly pages: Pages,
    private readonly id: number,
    /** Sender's pid. */
    readonly sender: number,
    /** The message type it was sent as. */
    readonly type: number,
    /** Where the pages are mapped in this task's page space. */
    readonly addr: number,
    readonly npages: number,
    /** The send's flags (bit 1 set: this task may write them). */
    readonly flags: number,
  ) {}

  /** Whether this task may write the pages. */
  get writable(): boolean {
    return (this.flags & L.SEND_RECEIVER_WRITES) !== 0;
  }

  /** Bytes of the pages: a copy of `length` bytes from `offset` (default all). */
  read(offset = 0, length = this.npages * L.PAGE_BYTES - offset): Uint8Array {
    return this.pages.read(this.addr + offset, length);
  }

  /** A view of the pages (writable mappings only: FaultError for read-only ones). */
  view(): Uint8Array {
    return this.pages.view(this.addr, this.npages);
  }

  /** Keeps the pages (also what a handler returning anything but false does). */
  accept(): void {
    if (this.settle()) check(pageAccept(this.pages.ctx, this.id), 'PageDelivery.accept');
  }

  /** Gives the pages up: unmapped, and freed if nobody else holds them. */
  abandon(): void {
    if (this.settle()) check(pageAbandon(this.pages.ctx, this.id), 'PageDelivery.abandon');
  }

  private settle(): boolean {
    const first = !this.decided;
    this.decided = true;
    return first;
  }
}

/** A handler for one message type: true or nothing accepts the pages, false abandons them. */
export type PageHandler = (delivery: PageDelivery) => boolean | void | Promise<boolean | void>;

export class Pages {
  private readonly handlers = new Map<number, PageHandler>();
  private upcalls: AbortController | undefined;
  private readonly info: DeliveryInfo = { id: 0, sender: 0, type: 0, addr: 0, npages: 0, flags: 0 };
  /** Takes the next delivery into `info`, waiting for one. */
  private readonly takeIntoInfo = pageTakeInfo(this.info);

  /** @internal Use `task.pages`. */
  constructor(readonly ctx: TaskContext) {}

  /** Maps `npages` zeroed read/write pages at a free range; returns its address. Throws OutOfMemoryError. */
  alloc(npages: number): number {
    return check(pageAlloc(this.ctx, npages), 'Pages.alloc');
  }

  /** Unmaps `npages` pages at `addr`. Throws FaultError when one is not mapped. */
  free(addr: number, npages: number): void {
    check(pageFree(this.ctx, addr, npages), 'Pages.free');
  }

  /** A copy of `length` bytes at page address `addr`. Throws FaultError for an unmapped page. */
  read(addr: number, length: number): Uint8Array {
    const memory = messageMemory(new Uint8Array(length));
    check(pageRead(this.ctx, addr, memory, 0, length), 'Pages.read');
    return memory.bytes;
  }

  /** Copies `bytes` to page address `addr`. Throws FaultError for a page not mapped writable. */
  write(addr: number, bytes: Uint8Array): void {
    check(pageWrite(this.ctx, addr, messageMemory(bytes), 0, bytes.length), 'Pages.write');
  }

  /**
   * One Uint8Array over `npages` pages at `addr`, straight into kernel
   * memory (writes are seen by whoever shares them). Only for pages mapped
   * writable: FaultError otherwise (read them with {@link read}); RangeError
   * when the pages are not consecutive in the kernel's pool.
   */
  view(addr: number, npages: number): Uint8Array {
    if (!Number.isInteger(npages) || npages < 1) throw new RangeError(`Pages.view: npages must be a whole number >= 1, got ${npages}`);
    const at = check(checkAccess(this.ctx, addr, npages * L.PAGE_BYTES, L.PAGE_READ | L.PAGE_WRITE), 'Pages.view');
    if (at < 0) throw new RangeError('Pages.view: the pages are not consecutive in kernel memory; read or view them in smaller runs');
    return this.ctx.r.bytes.subarray(at, at + npages * L.PAGE_BYTES);
  }

  /**
   * Sends `npages` pages at `addr` as message `type` to `target`. Returns
   * per-target results. Throws (nothing sent) InvalidArgumentError,
   * FaultError (pages not held with the rights the send needs),
   * NoSuchTaskError, WouldBlockError (past the in-flight quota), and, for a
   * pid or 'self', NotFoundError when it has no handler for `type`.
   */
  send(target: PageTarget, type: number, addr: number, npages: number, options?: PageSendOptions): PageSendResult {
    const results: number[] = [];
    const pid = typeof target === 'number' ? target : 0;
    const delivered = check(pageSend(this.ctx, pid, type, addr, npages, sendFlags(target, options), results), 'Pages.send');
    const targets: PageSendResult['targets'] = [];
    for (let i = 0; i < results.length; i += 2) {
      const errno = results[i + 1]!;
      targets.push(errno === 0 ? { pid: results[i]! } : { pid: results[i]!, error: errorFor(errno, 'Pages.send') });
    }
    return { delivered, targets };
  }

  /**
   * Runs `handler` for every delivery of `type` to this task, on its event
   * loop (a task blocked in a synchronous call runs it once that returns).
   * Deliveries of a type with no handler here are abandoned. Returns a
   * function that unregisters it. Throws AlreadyExistsError for a type
   * already handled.
   */
  handle(type: number, handler: PageHandler): () => void {
    check(registerHandler(this.ctx, type), 'Pages.handle');
    this.handlers.set(type, handler);
    if (!this.upcalls) {
      this.upcalls = new AbortController();
      void this.upcallLoop(this.upcalls.signal);
    }
    return () => {
      if (this.handlers.get(type) !== handler) return;
      this.handlers.delete(type);
      unregisterHandler(this.ctx, type);
      if (this.handlers.size === 0) {
        this.upcalls?.abort();
        this.upcalls = undefined;
        // Nothing will take what is pending now: deliveries without a handler are abandoned.
        this.dispatch();
      }
    };
  }

  /**
   * Runs the handlers of every pending delivery now, synchronously (for a
   * task that never yields to its event loop); with `timeout` (ms, or
   * Infinity), first waits that long for one. Returns how many ran. An
   * async handler's pages are decided when its promise settles.
   */
  dispatch(options?: WaitOptions): number {
    let ran = 0;
    const timeout = optionsOf(options, 'Pages.dispatch')?.timeout;
    if (timeout !== undefined) {
      const first = blocking(this.takeIntoInfo, this.ctx, 0, NO_MEMORY, 0, 0, deadlineFromTimeout(timeout, 'Pages.dispatch'));
      check(first, 'Pages.dispatch');
      void this.run(this.info);
      ran++;
    }
    while (check(pageTake(this.ctx, this.info), 'Pages.dispatch') === 1) {
      void this.run(this.info);
      ran++;
    }
    return ran;
  }

  /** @internal Stops running handlers (the kernel is closing): the upcall loop ends, so it keeps nothing alive. */
  stopUpcalls(): void {
    this.upcalls?.abort();
    this.upcalls = undefined;
    this.handlers.clear();
  }

  /** Pages mapped in this task's space, and pages it sent that are still in flight. */
  get usage(): { mapped: number; inFlight: number } {
    const w = this.ctx.r.w;
    return { mapped: Atomics.load(w, this.ctx.record + L.T_PAGES_MAPPED), inFlight: Atomics.load(w, this.ctx.record + L.T_PAGES_IN_FLIGHT) };
  }

  /** Takes deliveries as they come and runs their handlers, until the last handler is unregistered. */
  private async upcallLoop(signal: AbortSignal): Promise<void> {
    const info: DeliveryInfo = { id: 0, sender: 0, type: 0, addr: 0, npages: 0, flags: 0 };
    const takeInfo = pageTakeInfo(info);
    for (;;) {
      const r = await blockingAsync(takeInfo, this.ctx, 0, NO_MEMORY, 0, 0, Infinity, signal);
      if (r === -EINTR) return;
      if (r === WOULD_BLOCK || r < 0) {
        // No room to map it now (ENOMEM): try again after the event loop has turned.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      await this.run(info);
    }
  }

  /**
   * Runs the handler of the delivery described by `info` and applies its
   * decision: at once for a handler that returns a value, once its promise
   * settles for an async one (the returned promise).
   */
  private run(info: DeliveryInfo): Promise<void> | undefined {
    const delivery = new PageDelivery(this, info.id, info.sender, info.type, info.addr, info.npages, info.flags);
    const handler = this.handlers.get(info.type);
    if (!handler) {
      delivery.abandon();
      return undefined;
    }
    let decision: ReturnType<PageHandler>;
    try {
      decision = handler(delivery);
    } catch (error) {
      fail(delivery, error);
      return undefined;
    }
    if (!(decision instanceof Promise)) {
      decide(delivery, decision);
      return undefined;
    }
    return decision.then(
      (value) => decide(delivery, value),
      (error: unknown) => fail(delivery, error),
    );
  }
}

/** Applies a handler's answer: false abandons, anything else accepts. */
function decide(delivery: PageDelivery, decision: boolean | void): void {
  if (decision === false) delivery.abandon();
  else delivery.accept();
}

/** A handler threw: its delivery is abandoned and the error fails the task, as a crashing signal handler would. */
function fail(delivery: PageDelivery, error: unknown): void {
  delivery.abandon();
  queueMicrotask(() => {
    throw error;
  });
}
