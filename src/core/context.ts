/**
 * A task as one thread sees it: the region, the task's slot and pid, and the
 * futex word its last kernel op asked it to wait on.
 */
import * as L from './layout.js';
import { WOULD_BLOCK } from './errno.js';
import type { Region } from './region.js';

export class TaskContext {
  readonly r: Region;
  readonly slot: number;
  readonly pid: number;
  /** Set by a kernel op that returns WOULD_BLOCK: the word to watch and its value when checked. */
  waitWord = 0;
  waitValue = 0;
  /**
   * Where the task announces that it parks: a word counting parked waiters
   * on waitWord, or, when `waitFlag` is non-zero, a queue lock word to set
   * that flag in.
   */
  waitWaiters = 0;
  waitFlag = 0;
  /**
   * The word whose value the op's condition was checked at: waitWord
   * itself, or for a queue wait the index the other side moves (waitWord
   * is then an event word bumped only while someone is parked). A queue
   * wait re-checks the queue itself (queueReady) and watches this word only
   * while spinning.
   */
  checkWord = 0;
  checkValue = 0;
  /** Object slot + 1 the wait is about (0 for a call), and the event, for the snapshot. */
  waitObject = 0;
  waitEvent = 0;
  /** Units a queue wait needs before it is worth waking: queued for a readable one, of room for a writable one (see blockOnQueue). */
  waitNeed = 1;

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

  /**
   * Records a wait on `word` while it still holds `checked`, the value the
   * caller's condition was evaluated at, with parked waiters counted in
   * `waitersWord`; returns WOULD_BLOCK. The park raises the count, then
   * re-checks `word`, so a change the waker did not announce (nobody was
   * counted yet) is seen.
   */
  blockOnValue(word: number, checked: number, waitersWord: number, objectSlotPlusOne: number, event: number): number {
    this.checkWord = word;
    this.checkValue = checked;
    this.waitWord = word;
    this.waitValue = checked;
    this.waitWaiters = waitersWord;
    this.waitFlag = 0;
    this.waitObject = objectSlotPlusOne;
    this.waitEvent = event;
    return WOULD_BLOCK;
  }

  /**
   * Records a wait for the queue lock word `word`, which holds `contended`
   * (a holder's tag with QUEUE_LOCK_CONTENDED set, so that its release
   * notifies the word); returns WOULD_BLOCK. The task shows as running, not
   * blocked on an object: the wait lasts one critical section of the holder.
   */
  blockOnLock(word: number, contended: number): number {
    this.checkWord = word;
    this.checkValue = contended;
    this.waitWord = word;
    this.waitValue = contended;
    this.waitWaiters = word;
    this.waitFlag = L.QUEUE_LOCK_CONTENDED;
    this.waitObject = 0;
    this.waitEvent = 0;
    return WOULD_BLOCK;
  }

  /**
   * Records a wait on the queue of object record `o` for `event`:
   * EVENT_READABLE parks on O_READ_SEQ, flagging the send lock (whose next
   * release wakes it); EVENT_WRITABLE parks on O_WRITE_SEQ, flagging the
   * receive lock. `eventValue` is the event word as read before the queue
   * was found empty (full), and `index` the tail (head) found then: a
   * spinning waiter watches both. `need`: how many units the op needs,
   * queued for a readable wait, of room for a writable one (a ring's whole
   * write); 1 by default. Infinity: no amount will do, only the object's
   * destruction or the handle's close ends the wait (HANDLE_WAIT through a
   * handle that can see none of the events asked for); the task then
   * sleeps through sends and receives instead of retrying at once.
   */
  blockOnQueue(o: number, event: number, eventValue: number, index: number, need = 1): number {
    this.waitNeed = need;
    const readable = event === L.EVENT_READABLE;
    this.waitWord = o + (readable ? L.O_READ_SEQ : L.O_WRITE_SEQ);
    this.waitValue = eventValue;
    this.checkWord = o + (readable ? L.O_TAIL : L.O_HEAD);
    this.checkValue = index;
    this.waitWaiters = o + (readable ? L.O_SEND_LOCK : L.O_RECV_LOCK);
    this.waitFlag = L.QUEUE_PEERS_WAITING;
    this.waitObject = (o - this.r.objects) / L.OBJECT_WORDS + 1;
    this.waitEvent = event;
    return WOULD_BLOCK;
  }
}
