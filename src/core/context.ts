/**
 * A task as one thread sees it: the region, the task's slot and pid, and the
 * wait record of its last kernel op that answered WOULD_BLOCK.
 */
import * as L from './layout.js';
import { WaitRecord } from './wait-record.js';
import type { Region } from './region.js';

export class TaskContext {
  readonly r: Region;
  readonly slot: number;
  readonly pid: number;
  /** What the task's last op that answered WOULD_BLOCK waits for (filled by the blockOn* methods below). */
  readonly wait = new WaitRecord();

  /**
   * Whether a queue lock found busy (past a short spin) makes the op give
   * up with WOULD_BLOCK and the wait for the lock recorded (see
   * {@link blockOnLock}), for a blocking driver to park on with the op's
   * deadline and signal; set by the drivers around each try. Otherwise (a
   * non-blocking op, the kernel's own work) the thread waits for the lock
   * where it is.
   */
  lockWaitParks = false;

  /** A call slot this task keeps for its next call (CALL_CACHED), or -1. */
  cachedCall = -1;
  /** Whether the last message this thread received was a call (a hint for the receive path). */
  expectCalls = false;
  /** Word index of this task's record in the task table. */
  readonly record: number;

  constructor(r: Region, slot: number, pid: number) {
    this.r = r;
    this.slot = slot;
    this.pid = pid;
    this.record = r.task(slot);
  }

  /** Records a wait on a futex word with counted waiters (see {@link WaitRecord.onValue}); returns WOULD_BLOCK. */
  blockOnValue(word: number, checked: number, waitersWord: number, objectSlotPlusOne: number, event: number): number {
    return this.wait.onValue(word, checked, waitersWord, objectSlotPlusOne, event);
  }

  /** Records a wait for a busy queue lock (see {@link WaitRecord.onLock}); returns WOULD_BLOCK. */
  blockOnLock(word: number, contended: number): number {
    return this.wait.onLock(word, contended);
  }

  /** Records a wait on the queue of object record `o` for `event` (see {@link WaitRecord.onQueue}); returns WOULD_BLOCK. */
  blockOnQueue(o: number, event: number, eventValue: number, index: number, need = 1): number {
    return this.wait.onQueue(o, (o - this.r.objects) / L.OBJECT_WORDS, event, eventValue, index, need);
  }
}
