/**
 * What every section of the kernel checker shares: the region, the list of
 * problems found so far, names for the places a problem is about, and the
 * facts one section establishes for later ones (which queue owns each
 * message slot, which object owns each page of the pool).
 *
 * A section is one concept (the call table, the handle tree, ...); it reads
 * the region and reports every invariant it finds broken as one sentence
 * that names the place. Sections never write to the region.
 */
import * as L from '../core/layout.js';
import type { Region } from '../core/region.js';
import type { ObjectCheck } from '../objects/object-type.js';
import { objectTypeOf } from '../objects/registry.js';
import { isQueuedIndex } from './queue-view.js';

/** One concept's checks. `run` reads the region (kernel lock held by the caller) and reports through `ctx`. */
export interface CheckSection {
  readonly name: string;
  run(ctx: CheckContext): void;
}

/** Problems listed at most; past this, one last line says how many more there were. */
export const MAX_PROBLEMS = 200;


/** No owner claimed this unit (message slot or page). */
const UNCLAIMED = -1;

export class CheckContext implements ObjectCheck {
  readonly r: Region;
  readonly w: Int32Array;
  private readonly problems: string[] = [];
  private omitted = 0;
  /** Per message slot: the object slot of the port whose ring holds it, or UNCLAIMED. */
  private readonly messageOwners: Int32Array;
  /** Per page of the pool: index into pageOwnerNames, or UNCLAIMED. */
  private readonly pageOwners: Int32Array;
  private readonly pageOwnerNames: string[] = [];

  constructor(r: Region) {
    this.r = r;
    this.w = r.w;
    this.messageOwners = new Int32Array(r.messageSlots).fill(UNCLAIMED);
    this.pageOwners = new Int32Array(r.pageCount).fill(UNCLAIMED);
  }

  /** Records one broken invariant: a sentence naming the place. */
  report(problem: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    else this.omitted++;
  }

  /** Every problem reported, in order; empty when the kernel is consistent. */
  results(): string[] {
    return this.omitted === 0 ? [...this.problems] : [...this.problems, `... and ${this.omitted} more problems`];
  }

  // --- names of places ------------------------------------------------------

  typeName(type: number): string {
    return type === L.OBJ_FREE ? 'free' : (objectTypeOf(type)?.name ?? `type-${type}`);
  }

  /** "port object 12": the object's type as it is now, and its slot. */
  objectName(slot: number): string {
    return `${this.typeName(this.w[this.r.object(slot) + L.O_TYPE]!)} object ${slot}`;
  }

  /** "task slot 3 (pid 4099)". */
  taskName(slot: number): string {
    return `task slot ${slot} (pid ${this.w[this.r.task(slot) + L.T_PID]!})`;
  }

  // --- tasks ----------------------------------------------------------------

  /** The slot of the task with this pid that has not been reaped yet (starting, running or dying), else -1. */
  unreapedSlotOf(pid: number): number {
    if (!Number.isInteger(pid) || pid < 1) return -1;
    const slot = (pid - 1) & (L.PID_SLOT_STRIDE - 1);
    if (slot >= this.r.maxTasks) return -1;
    const t = this.r.task(slot);
    return this.w[t + L.T_PID] === pid && isUnreaped(this.w[t + L.T_STATE]!) ? slot : -1;
  }

  /** Whether task `slot` is starting or running (its thread is alive and not being reaped). */
  isAlive(slot: number): boolean {
    const state = this.w[this.r.task(slot) + L.T_STATE];
    return state === L.TASK_STARTING || state === L.TASK_RUNNING;
  }

  // --- objects --------------------------------------------------------------

  /** Whether `slot` is an object slot in the table that is not free. */
  isLiveObject(slot: number): boolean {
    return Number.isInteger(slot) && slot >= 0 && slot < this.r.maxObjects && this.w[this.r.object(slot) + L.O_TYPE] !== L.OBJ_FREE;
  }

  /** Every live object slot of `type`. */
  objectsOfType(type: number): number[] {
    const out: number[] = [];
    for (let slot = 0; slot < this.r.maxObjects; slot++) if (this.w[this.r.object(slot) + L.O_TYPE] === type) out.push(slot);
    return out;
  }

  // --- queues ---------------------------------------------------------------

  /**
   * Whether a task not yet reaped holds either queue lock of record `o`: an
   * operation is under way (or was, in a task that died there and whose lock
   * the supervisor has yet to take over and repair), so the queue's indices
   * and slots may be half-updated; they are then not checked. Locks held by
   * anyone else are the queue section's concern.
   */
  queueBusy(o: number): boolean {
    for (const which of [L.O_SEND_LOCK, L.O_RECV_LOCK]) {
      const holder = Atomics.load(this.w, o + which) & L.QUEUE_LOCK_TAG_MASK;
      if (holder !== 0 && holder !== this.r.lockTag && holder <= this.r.maxTasks && isUnreaped(this.w[this.r.task(holder - 1) + L.T_STATE]!)) return true;
    }
    return false;
  }

  /** Whether ring position `index` of queue record `o` holds a queued entry (from the head, before the tail). */
  isQueuedIndex(o: number, index: number): boolean {
    return isQueuedIndex(this.w, o, index);
  }

  // --- ownership of message slots and pages -----------------------------------

  /** Port `portSlot`'s ring holds message slots [first, first + count): reports slots out of range or already claimed. */
  claimMessageSlots(first: number, count: number, portSlot: number): void {
    for (let m = first; m < first + count; m++) {
      if (m < 0 || m >= this.r.messageSlots) {
        this.report(`${this.objectName(portSlot)}: its ring reaches message slot ${m}, outside the ${this.r.messageSlots} slots`);
        return;
      }
      const owner = this.messageOwners[m]!;
      if (owner !== UNCLAIMED) this.report(`message slot ${m} is in the rings of both ${this.objectName(owner)} and ${this.objectName(portSlot)}`);
      else this.messageOwners[m] = portSlot;
    }
  }

  /** The port whose ring holds message slot `m`, or -1. */
  messageOwnerOf(m: number): number {
    return this.messageOwners[m]!;
  }

  /** `owner` (a sentence subject, e.g. "ring object 3") holds pages [first, first + count): reports pages out of range or held twice. */
  claimPages(first: number, count: number, owner: string): void {
    if (!(Number.isInteger(first) && Number.isInteger(count) && count >= 1 && first >= 0 && first + count <= this.r.pageCount)) {
      this.report(`${owner}: pages ${first}..${first + count - 1} are not within the pool of ${this.r.pageCount} pages`);
      return;
    }
    const name = this.pageOwnerNames.push(owner) - 1;
    for (let p = first; p < first + count; p++) {
      const held = this.pageOwners[p]!;
      if (held !== UNCLAIMED) this.report(`page ${p} is held by both ${this.pageOwnerNames[held]} and ${owner}`);
      else this.pageOwners[p] = name;
    }
  }

  /** Who claimed page `p` (see claimPages), or undefined. */
  pageOwnerOf(p: number): string | undefined {
    const held = this.pageOwners[p]!;
    return held === UNCLAIMED ? undefined : this.pageOwnerNames[held];
  }
}

/** Whether a task in `state` still has a record the reaper will clean (starting, running, dying). */
export function isUnreaped(state: number): boolean {
  return state === L.TASK_STARTING || state === L.TASK_RUNNING || state === L.TASK_DYING;
}

/** Population count of bits [0, total) of the bitmap at word `bitmap`. */
export function countBits(w: Int32Array, bitmap: number, total: number): number {
  let n = 0;
  for (let i = 0; i < total; i++) if (bitHas(w, bitmap, i)) n++;
  return n;
}

/** Whether bit `i` of the bitmap at word `bitmap` is set. */
export function bitHas(w: Int32Array, bitmap: number, i: number): boolean {
  return (w[bitmap + (i >>> 5)]! & (1 << (i & 31))) !== 0;
}
