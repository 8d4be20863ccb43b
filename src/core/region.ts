/**
 * The kernel region as seen by one thread: typed views over the shared
 * buffer, the table offsets, and the kernel lock with its undo log.
 *
 * ## Locking and recovery
 * Every change to kernel state happens under one lock (`H_LOCK`), whose word
 * holds the holder's tag (task slot + 1) so that a survivor knows who held it.
 * Inside the lock, every store to a kernel word goes through {@link set},
 * which first appends (word, old value) to the undo log. {@link unlock}
 * commits by emptying the log, then frees the lock. If a task is terminated
 * while it holds the lock, the supervisor rolls the log back: the half-done
 * operation is absent, never partial. Writes into free storage (a message slot
 * not yet linked into a queue) need no log: until a logged store publishes
 * them they are unreachable.
 *
 * The log is a stack of (word, old value) pairs. {@link saveRange} logs a
 * run of words at once, for stores that change many neighbours (a page
 * space's head table): their old values fill the next pairs, and a closing
 * pair (~first word, count) marks the run, told apart by its negative first
 * half (word indices are never negative). {@link saveFill} logs a run whose
 * words all hold one value: a pair (value, 0), then (~first word, ~count).
 */
import {
  H_LOCK,
  H_LOCK_WAITERS,
  H_KERNEL_GONE,
  H_PAGES,
  H_OFF_PAGE_BITMAP,
  H_OFF_PAGES,
  H_OFF_NET,
  H_OFF_PIPES,
  H_PAGE_SPACE,
  H_PAGE_QUOTA,
  H_DELIVERIES,
  H_OFF_PAGE_SPACES,
  H_OFF_HANDLER_TYPES,
  H_OFF_DELIVERIES,
  H_OFF_FRAME_REFS,
  HANDLER_SLOTS,
  DELIVERY_WORDS,
  pageSpaceWords,
  PIPES_HEADER_WORDS,
  PIPE_WORDS,
  PAGE_WORDS,
  PID_SLOT_STRIDE,
  H_UNDO_COUNT,
  H_MAX_TASKS,
  H_MAX_OBJECTS,
  H_MAX_HANDLES,
  H_MESSAGE_SLOTS,
  H_MAX_CALLS,
  H_NAMESPACE_ENTRIES,
  H_MAX_PATH_BYTES,
  H_UNDO_ENTRIES,
  H_OFF_UNDO,
  H_OFF_TASKS,
  H_OFF_OBJECTS,
  H_OFF_HANDLES,
  H_OFF_MESSAGES,
  H_OFF_MESSAGE_BITMAP,
  H_OFF_CALLS,
  H_OFF_CALL_TABLES,
  callTableEntries,
  H_OFF_NAMESPACE,
  H_OFF_NAMESPACE_POLICIES,
  namespacePolicyWords,
  H_SPIN,
  H_MAGIC,
  H_VERSION,
  KERNEL_MAGIC,
  KERNEL_VERSION,
  H_STAT_LOCK_RECOVERIES,
  H_STAT_RESUMES,
  TASK_WORDS,
  T_LOCK_PARK,
  OBJECT_WORDS,
  HANDLE_WORDS,
  MESSAGE_SLOT_WORDS,
  CALL_WORDS,
  namespaceEntryWords,
} from './layout.js';
import type { Backend, SharedMemory } from '../backend/backend.js';
import { SpinBudget } from './spin-budget.js';

/** Lock tag of the supervisor thread: above every task slot + 1, and inside QUEUE_LOCK_TAG_MASK. */
export const SUPERVISOR_TAG = PID_SLOT_STRIDE;

/** How long a lock waiter sleeps before looking again (a dead holder is recovered by the supervisor, which then notifies). */
const LOCK_PARK_MS = 50;

export class Region {
  /** How this thread sleeps and wakes on the region's words (the kernel's backend). */
  readonly backend: Backend;
  readonly memory: SharedMemory;
  readonly w: Int32Array;
  readonly bytes: Uint8Array;
  readonly maxTasks: number;
  readonly maxObjects: number;
  readonly maxHandles: number;
  readonly messageSlots: number;
  readonly maxCalls: number;
  readonly namespaceEntries: number;
  readonly maxPathBytes: number;
  readonly namespaceWords: number;
  readonly undo: number;
  readonly undoEntries: number;
  readonly tasks: number;
  readonly objects: number;
  readonly handles: number;
  readonly messages: number;
  readonly messageBitmap: number;
  readonly calls: number;
  readonly callTables: number;
  /** Entries of one task's call table, minus one (a mask for tokens). */
  readonly callTableMask: number;
  readonly namespace: number;
  /** Namespace policies: where the table starts, and the words of one task's record. */
  readonly namespacePolicies: number;
  readonly namespacePolicyWords: number;
  readonly spin: number;
  readonly pageCount: number;
  readonly pageBitmap: number;
  readonly pages: number;
  /** Word offsets of the network block and the keyboard pipes. */
  readonly net: number;
  readonly pipes: number;
  /** Page IPC: virtual pages per task, in-flight quota per sender, delivery records; table offsets. */
  readonly pageSpace: number;
  /** Words of one task's page space. */
  readonly pageSpaceWords: number;
  readonly pageQuota: number;
  readonly deliveryCount: number;
  readonly pageSpaces: number;
  readonly handlerTypes: number;
  readonly deliveries: number;
  readonly frameRefs: number;
  /** This thread's lock tag. */
  lockTag = 0;
  /**
   * Set once this thread's task is closed (init, by `Kernel.close()`): every
   * later kernel operation that would take the kernel lock or a queue lock,
   * and every wait still pending, throws the error it makes.
   */
  closedError: (() => Error) | undefined = undefined;
  /**
   * The error of every operation once H_KERNEL_GONE is set (init's process
   * has died, see watchCreator): set by the runtime for tasks in other
   * processes; {@link noticeGone} makes it {@link closedError}.
   */
  goneError: (() => Error) | undefined = undefined;

  /** Throws Error when `memory` does not hold a kernel region of this version. */
  constructor(memory: SharedMemory, backend: Backend) {
    this.backend = backend;
    this.memory = memory;
    this.w = memory.words;
    this.bytes = memory.bytes;
    const w = this.w;
    if (w.length <= H_VERSION || w[H_MAGIC] !== KERNEL_MAGIC || w[H_VERSION] !== KERNEL_VERSION) {
      throw new Error('kipc: this memory is not a kipc kernel region of this version');
    }
    this.maxTasks = w[H_MAX_TASKS]!;
    this.maxObjects = w[H_MAX_OBJECTS]!;
    this.maxHandles = w[H_MAX_HANDLES]!;
    this.messageSlots = w[H_MESSAGE_SLOTS]!;
    this.maxCalls = w[H_MAX_CALLS]!;
    this.namespaceEntries = w[H_NAMESPACE_ENTRIES]!;
    this.maxPathBytes = w[H_MAX_PATH_BYTES]!;
    this.namespaceWords = namespaceEntryWords(this.maxPathBytes);
    this.undoEntries = w[H_UNDO_ENTRIES]!;
    this.undo = w[H_OFF_UNDO]!;
    this.tasks = w[H_OFF_TASKS]!;
    this.objects = w[H_OFF_OBJECTS]!;
    this.handles = w[H_OFF_HANDLES]!;
    this.messages = w[H_OFF_MESSAGES]!;
    this.messageBitmap = w[H_OFF_MESSAGE_BITMAP]!;
    this.calls = w[H_OFF_CALLS]!;
    this.callTables = w[H_OFF_CALL_TABLES]!;
    this.callTableMask = callTableEntries(this.maxCalls) - 1;
    this.namespace = w[H_OFF_NAMESPACE]!;
    this.namespacePolicies = w[H_OFF_NAMESPACE_POLICIES]!;
    this.namespacePolicyWords = namespacePolicyWords(this.maxPathBytes);
    this.spin = w[H_SPIN]!;
    this.pageCount = w[H_PAGES]!;
    this.pageBitmap = w[H_OFF_PAGE_BITMAP]!;
    this.pages = w[H_OFF_PAGES]!;
    this.net = w[H_OFF_NET]!;
    this.pipes = w[H_OFF_PIPES]!;
    this.pageSpace = w[H_PAGE_SPACE]!;
    this.pageSpaceWords = pageSpaceWords(this.pageSpace);
    this.pageQuota = w[H_PAGE_QUOTA]!;
    this.deliveryCount = w[H_DELIVERIES]!;
    this.pageSpaces = w[H_OFF_PAGE_SPACES]!;
    this.handlerTypes = w[H_OFF_HANDLER_TYPES]!;
    this.deliveries = w[H_OFF_DELIVERIES]!;
    this.frameRefs = w[H_OFF_FRAME_REFS]!;
  }

  // --- record addressing -------------------------------------------------
  task(slot: number): number {
    return this.tasks + slot * TASK_WORDS;
  }
  object(slot: number): number {
    return this.objects + slot * OBJECT_WORDS;
  }
  handle(taskSlot: number, index: number): number {
    return this.handles + (taskSlot * this.maxHandles + index) * HANDLE_WORDS;
  }
  message(slot: number): number {
    return this.messages + slot * MESSAGE_SLOT_WORDS;
  }
  /** Word index of task `slot`'s page space (its PS_* tables, each pageSpace words, then its bitmap). */
  pageSpaceOf(slot: number): number {
    return this.pageSpaces + slot * this.pageSpaceWords;
  }
  /** Word index of the handler-type table of task `slot` (HANDLER_SLOTS words, type + 1 each, 0 = free). */
  handlerTable(slot: number): number {
    return this.handlerTypes + slot * HANDLER_SLOTS;
  }
  /** Word index of delivery record `index`. */
  delivery(index: number): number {
    return this.deliveries + index * DELIVERY_WORDS;
  }
  /** Word index of keyboard subscriber record `index`. */
  pipe(index: number): number {
    return this.pipes + PIPES_HEADER_WORDS + index * PIPE_WORDS;
  }
  /** Word index of page `index` of the page pool. */
  page(index: number): number {
    return this.pages + index * PAGE_WORDS;
  }
  call(slot: number): number {
    return this.calls + slot * CALL_WORDS;
  }
  /** Word index of the entry of task `slot`'s call table for `token`. */
  callTableEntry(slot: number, token: number): number {
    return this.callTables + slot * (this.callTableMask + 1) + (token & this.callTableMask);
  }
  binding(index: number): number {
    return this.namespace + index * this.namespaceWords;
  }
  /** Word index of task `slot`'s namespace policy record (NP_* fields). */
  namespacePolicy(slot: number): number {
    return this.namespacePolicies + slot * this.namespacePolicyWords;
  }

  // --- waking ---------------------------------------------------------------
  /** How long this thread's waits spin (ops/park.ts), adapted to how its spins pay. */
  readonly spins = new SpinBudget();

  /** Notes that a wake of this thread woke `woken` sleepers. */
  private noteWake(woken: number): void {
    if (woken > 0) this.spins.woke(performance.now(), Atomics.load(this.w, H_STAT_RESUMES));
  }

  /** Bumps the futex word `word` and wakes every thread parked on it. */
  bumpAndWake(word: number): void {
    Atomics.add(this.w, word, 1);
    this.noteWake(this.backend.wake(this.w, word, Infinity));
  }

  /** Wakes every thread parked on `word`, whose value the caller changed (or that must look again). */
  wakeAll(word: number): void {
    this.noteWake(this.backend.wake(this.w, word, Infinity));
  }

  /**
   * Wakes up to `count` sleepers of `word`, whose new value the caller has
   * stored, if the waiter counter `waiters` says any announced themselves
   * (one load otherwise).
   */
  wakeIfWaiting(word: number, waiters: number, count: number): void {
    this.noteWake(this.backend.wakeIfWaiting(this.w, word, waiters, count));
  }

  /** After a sleep: once the kernel is gone (H_KERNEL_GONE), this task is closed, with {@link goneError}. */
  noticeGone(): void {
    if (this.goneError !== undefined && this.closedError === undefined && Atomics.load(this.w, H_KERNEL_GONE) !== 0) this.closedError = this.goneError;
  }

  /** Throws {@link closedError}'s error once this task is closed, or the kernel gone ({@link noticeGone}). */
  assertOpen(): void {
    this.noticeGone();
    if (this.closedError !== undefined) throw this.closedError();
  }

  // --- the lock ------------------------------------------------------------
  /**
   * Takes the kernel lock: CAS, then a spin of at most `spin` microseconds,
   * then parks. Throws {@link closedError}'s error once this task is closed.
   */
  lock(): void {
    this.assertOpen();
    this.lockEvenIfClosed();
  }

  /** {@link lock}, also once this task is closed: for reading the kernel (snapshots) after close. */
  lockEvenIfClosed(): void {
    if (Atomics.compareExchange(this.w, H_LOCK, 0, this.lockTag) !== 0) this.lockContended();
  }

  private lockContended(): void {
    const w = this.w;
    const tag = this.lockTag;
    for (;;) {
      const end = performance.now() + this.spin / 1000;
      do {
        for (let i = 0; i < 64; i++) {
          if (Atomics.load(w, H_LOCK) === 0 && Atomics.compareExchange(w, H_LOCK, 0, tag) === 0) return;
        }
      } while (performance.now() < end);
      // A task notes its lock wait in its record so that, if it is killed
      // asleep, the supervisor lowers the waiter count it raised.
      const record = tag <= this.maxTasks ? this.task(tag - 1) + T_LOCK_PARK : -1;
      Atomics.add(w, H_LOCK_WAITERS, 1);
      if (record >= 0) Atomics.store(w, record, H_LOCK_WAITERS);
      const holder = Atomics.load(w, H_LOCK);
      if (holder !== 0) this.backend.wait(w, H_LOCK, holder, LOCK_PARK_MS);
      if (record >= 0) Atomics.store(w, record, 0);
      Atomics.sub(w, H_LOCK_WAITERS, 1);
      // A lock held by init's process when it died is never freed: leave with the kernel-gone error.
      this.assertOpen();
      if (Atomics.compareExchange(w, H_LOCK, 0, tag) === 0) return;
    }
  }

  /** Commits the current operation and frees the lock. */
  unlock(): void {
    const w = this.w;
    w[H_UNDO_COUNT] = 0;
    Atomics.store(w, H_LOCK, 0);
    this.wakeIfWaiting(H_LOCK, H_LOCK_WAITERS, 1);
  }

  /** Undoes every logged store of the current critical section (the lock stays held). */
  rollback(): void {
    const w = this.w;
    for (let n = w[H_UNDO_COUNT]! - 1; n >= 0; ) {
      const at = this.undo + n * 2;
      const word = w[at]!;
      if (word >= 0) {
        w[word] = w[at + 1]!;
        n--;
        continue;
      }
      const count = w[at + 1]!;
      if (count < 0) {
        // A run of one value, held by the pair before.
        w.fill(w[at - 2]!, ~word, ~word + ~count);
        n -= 2;
        continue;
      }
      // A saved run: its old values fill the pairs before this one.
      const pairs = runPairs(count);
      const saved = at - pairs * 2;
      w.copyWithin(~word, saved, saved + count);
      n -= pairs + 1;
    }
    w[H_UNDO_COUNT] = 0;
  }

  /** Gives up the current critical section: undoes its stores, frees the lock, returns `result`. */
  fail(result: number): number {
    this.rollback();
    this.unlock();
    return result;
  }

  /** Ends a critical section (committing it) and passes `result` through. */
  unlockWith(result: number): number {
    this.unlock();
    return result;
  }

  /** Logged store: the only way kernel state changes under the lock. */
  set(word: number, value: number): void {
    const w = this.w;
    const n = w[H_UNDO_COUNT]!;
    if (n >= this.undoEntries) throw new Error('kipc: kernel undo log overflow (kernel bug)');
    const at = this.undo + n * 2;
    w[at] = word;
    w[at + 1] = w[word]!;
    w[H_UNDO_COUNT] = n + 1;
    w[word] = value;
  }

  /**
   * Logs words [first, first + count) as they are now, so that the caller
   * may then change them with plain stores (one log record instead of one
   * per word). Kernel lock held.
   */
  saveRange(first: number, count: number): void {
    const w = this.w;
    const n = w[H_UNDO_COUNT]!;
    const pairs = runPairs(count);
    if (n + pairs + 1 > this.undoEntries) throw new Error('kipc: kernel undo log overflow (kernel bug)');
    const saved = this.undo + n * 2;
    w.copyWithin(saved, first, first + count);
    const mark = saved + pairs * 2;
    w[mark] = ~first;
    w[mark + 1] = count;
    w[H_UNDO_COUNT] = n + pairs + 1;
  }

  /**
   * Logs words [first, first + count), which all hold `value` now (the
   * caller knows: an unmapped range's heads, free frames' holder counts), so
   * that the caller may then change them with plain stores. Kernel lock held.
   */
  saveFill(first: number, count: number, value: number): void {
    const w = this.w;
    const n = w[H_UNDO_COUNT]!;
    if (n + 2 > this.undoEntries) throw new Error('kipc: kernel undo log overflow (kernel bug)');
    const at = this.undo + n * 2;
    w[at] = value;
    w[at + 1] = 0;
    w[at + 2] = ~first;
    w[at + 3] = ~count;
    w[H_UNDO_COUNT] = n + 2;
  }

  /**
   * Logged store to a futex word. Sequentially consistent, so that the
   * waker's following look at the waiter counter cannot overtake it (a plain
   * store can, on x86, and the wake-up would be lost).
   */
  setFutex(word: number, value: number): void {
    this.set(word, value);
    Atomics.store(this.w, word, value);
  }

  /**
   * Compare-and-swap of a word that threads also change without the kernel
   * lock; logged only once it succeeded, so a rollback never writes back a
   * value that a lock-free writer has since replaced.
   */
  casLogged(word: number, expected: number, value: number): boolean {
    const w = this.w;
    if (Atomics.compareExchange(w, word, expected, value) !== expected) return false;
    const n = w[H_UNDO_COUNT]!;
    if (n >= this.undoEntries) throw new Error('kipc: kernel undo log overflow (kernel bug)');
    const at = this.undo + n * 2;
    w[at] = word;
    w[at + 1] = expected;
    w[H_UNDO_COUNT] = n + 1;
    return true;
  }

  /** Logged add; returns the new value. */
  add(word: number, delta: number): number {
    const v = this.w[word]! + delta;
    this.set(word, v);
    return v;
  }

  /**
   * Called by the supervisor once the thread whose lock tag is `deadTag` has
   * stopped for good: if it held the lock, undo its half-done operation and
   * take the lock over. Returns true when the caller now holds the lock.
   */
  seizeFromDead(deadTag: number): boolean {
    const w = this.w;
    if (Atomics.compareExchange(w, H_LOCK, deadTag, this.lockTag) !== deadTag) return false;
    this.rollback();
    w[H_STAT_LOCK_RECOVERIES] = w[H_STAT_LOCK_RECOVERIES]! + 1;
    return true;
  }
}

/** Undo-log pairs that hold the old values of a saved run of `count` words. */
function runPairs(count: number): number {
  return (count + 1) >> 1;
}
