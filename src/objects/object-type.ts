/**
 * What an object type must provide: everything the rest of the kernel asks
 * of an object without knowing its type. Each type describes itself once,
 * in its folder (`src/objects/<type>/type.ts`), and src/objects/registry.ts
 * lists the descriptions; waiting on a handle, death cleanup, the checker
 * and the snapshot look a type up there instead of switching on it.
 */
import type { Region } from '../core/region.js';
import type { TaskContext } from '../core/context.js';
import type { ObjectKind } from '../core/object-table.js';

/** What the snapshot shows of one object beyond the fields every object has. */
export interface ObjectDetails {
  /** Messages or bytes it can hold (0: it holds none, a semaphore). */
  capacity?: number;
  /** A channel's ends: handles that can send and that can receive. */
  ends?: { senders: number; receivers: number };
  /** A semaphore's count. */
  count?: number;
  /** A ring's or a buffer's size in bytes. */
  size?: number;
  /** Messages a mailbox refused for want of room. */
  refused?: number;
}

/**
 * What a type's own check can use of the checker (src/check/context.ts
 * implements it): the region, where to report, names of places, and the
 * page ownership ledger shared with the other sections.
 */
export interface ObjectCheck {
  readonly r: Region;
  readonly w: Int32Array;
  /** Records one broken invariant: a sentence naming the place. */
  report(problem: string): void;
  /** "channel object 12". */
  objectName(slot: number): string;
  /** "task slot 3 (pid 4099)". */
  taskName(slot: number): string;
  /** The slot of the task with this pid that has not been reaped yet, else -1. */
  unreapedSlotOf(pid: number): number;
  /** `owner` holds pool pages [first, first + count): reports pages out of range or held twice. */
  claimPages(first: number, count: number, owner: string): void;
  /** Whether an operation is under way on queue record `o` (a queue lock held by a task not yet reaped): its slots are then not checked. */
  queueBusy(o: number): boolean;
  /** Whether ring position `index` of queue record `o` holds a queued entry. */
  isQueuedIndex(o: number, index: number): boolean;
}

/** One object type, as the kernel outside its folder sees it. */
export interface ObjectType extends ObjectKind {
  /** What users, the snapshot and the checker call it: 'port', 'channel', ... */
  readonly name: 'port' | 'channel' | 'ring' | 'semaphore' | 'mailbox' | 'buffer';
  /** Events HANDLE_WAIT and waiting on many objects can ask of it (EVENT_* bits); 0: none, a handle to it is not waitable. */
  readonly events: number;
  /**
   * Which of `interest`'s events hold for object `slot` seen through a
   * handle with `rights`: the ready ones (> 0); or 0, with the wait for
   * them recorded in `ctx` (re-checked by the park); or -EPIPE once the
   * object is destroyed. Kernel lock held. Only called when `events` is
   * non-zero.
   */
  readyEvents?(ctx: TaskContext, slot: number, rights: number, interest: number): number;
  /** What the snapshot shows of the object at record `o` beyond the common fields. Reads only. */
  details(w: Int32Array, o: number): ObjectDetails;
  /**
   * Adds what the object at record `o` holds against its creator's quotas
   * (docs/quotas.md): `count(quota, amount)` once per quota it charges,
   * beyond the object itself.
   */
  reserved(w: Int32Array, o: number, count: (quota: number, amount: number) => void): void;
  /** Checks object `slot`'s own invariants (kernel lock held by the checker; reads only). */
  check?(ctx: ObjectCheck, slot: number): void;
  /**
   * For a type whose waiters announce themselves in a counter of the
   * object (not a flag in a queue lock word): where that counter is, and
   * whether a waiter blocked on the object at record `o` needs no wake-up
   * because what it waits for holds already. The checker uses both to find
   * lost wake-ups. Reads only.
   */
  readonly waiters?: {
    counter(o: number): number;
    satisfied(w: Int32Array, o: number): boolean;
  };
}
