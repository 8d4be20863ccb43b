/**
 * A task as one thread sees it: the region, the task's slot and pid, and the
 * futex word its last kernel op asked it to wait on.
 */
import { WOULD_BLOCK } from './errno.js';
import type { Region } from './region.js';

export class TaskContext {
  readonly r: Region;
  readonly slot: number;
  readonly pid: number;
  /** Set by a kernel op that returns WOULD_BLOCK: the word to watch and its value when checked. */
  waitWord = 0;
  waitValue = 0;
  /** Word counting parked waiters on waitWord. */
  waitWaiters = 0;
  /** Object slot + 1 the wait is about (0 for a call), and the event, for the snapshot. */
  waitObject = 0;
  waitEvent = 0;

  constructor(r: Region, slot: number, pid: number) {
    this.r = r;
    this.slot = slot;
    this.pid = pid;
  }

  /**
   * Records what to wait for and returns WOULD_BLOCK. Must be called under the
   * kernel lock so that the value read is the one the condition was checked at.
   */
  blockOn(word: number, waitersWord: number, objectSlotPlusOne: number, event: number): number {
    return this.blockOnValue(word, Atomics.load(this.r.w, word), waitersWord, objectSlotPlusOne, event);
  }

  /**
   * Records a wait on `word` while it still holds `checked`, the value the
   * caller's condition was evaluated at (for waits checked without the lock).
   */
  blockOnValue(word: number, checked: number, waitersWord: number, objectSlotPlusOne: number, event: number): number {
    this.waitWord = word;
    this.waitValue = checked;
    this.waitWaiters = waitersWord;
    this.waitObject = objectSlotPlusOne;
    this.waitEvent = event;
    return WOULD_BLOCK;
  }
}
