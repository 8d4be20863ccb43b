/**
 * The wait record: what a kernel op that answered WOULD_BLOCK waits for,
 * for the park (src/ops/park.ts) to spin on, announce itself in and sleep
 * on. An op fills its task's record (through TaskContext's blockOn*
 * methods) and returns WOULD_BLOCK; the blocking driver hands the record to
 * the park. An async driver copies it first, since another op of the same
 * task may fill the task's record while this one sleeps.
 */
import * as L from './layout.js';
import { WOULD_BLOCK } from './errno.js';

export class WaitRecord {
  /** The futex word to sleep on, and its value when the condition was checked. */
  word = 0;
  value = 0;
  /**
   * Where the waiter announces that it parks: a word counting parked
   * waiters on `word`, or, when `flag` is non-zero, a queue lock word to
   * set that flag in.
   */
  waiters = 0;
  flag = 0;
  /**
   * The word whose value the op's condition was checked at: `word` itself,
   * or for a queue wait the index the other side moves (`word` is then an
   * event word bumped only while someone is parked). A queue wait re-checks
   * the queue itself and watches this word only while spinning.
   */
  checkWord = 0;
  checkValue = 0;
  /** Object slot + 1 the wait is about (0 for none), and the event, for the snapshot. */
  object = 0;
  event = 0;
  /** Units a queue wait needs before it is worth waking: queued for a readable one, of room for a writable one. */
  need = 1;
  /**
   * For a wait on many objects: the re-check after the waiter is counted
   * (see src/ops/wait-many.ts), which re-reads `value` and looks at every
   * object again; true when one is ready. Undefined for every other wait.
   */
  recheck: ((wait: WaitRecord) => boolean) | undefined = undefined;
  /** Whether spinning on `word` can see the change (false when `word` moves only while the waiter is counted). */
  spins = true;
  /** While the waiter is announced by a counter: the park record in its task record that notes it (-1: none). Set by the park. */
  parkRecord = -1;

  /**
   * A wait on `word` while it still holds `checked`, the value the caller's
   * condition was evaluated at, with parked waiters counted in
   * `waitersWord`; returns WOULD_BLOCK. The park raises the count, then
   * re-checks `word`, so a change the waker did not announce (nobody was
   * counted yet) is seen.
   */
  onValue(word: number, checked: number, waitersWord: number, objectSlotPlusOne: number, event: number): number {
    this.recheck = undefined;
    this.spins = true;
    this.checkWord = word;
    this.checkValue = checked;
    this.word = word;
    this.value = checked;
    this.waiters = waitersWord;
    this.flag = 0;
    this.object = objectSlotPlusOne;
    this.event = event;
    return WOULD_BLOCK;
  }

  /**
   * A wait for the queue lock word `word`, which holds `contended` (a
   * holder's tag with QUEUE_LOCK_CONTENDED set, so that its release
   * notifies the word); returns WOULD_BLOCK. The task shows as running, not
   * blocked on an object: the wait lasts one critical section of the holder.
   */
  onLock(word: number, contended: number): number {
    this.recheck = undefined;
    this.spins = true;
    this.checkWord = word;
    this.checkValue = contended;
    this.word = word;
    this.value = contended;
    this.waiters = word;
    this.flag = L.QUEUE_LOCK_CONTENDED;
    this.object = 0;
    this.event = 0;
    return WOULD_BLOCK;
  }

  /**
   * A wait on the queue of object record `o` (object slot `objectSlot`) for
   * `event`: EVENT_READABLE parks on O_READ_SEQ, flagging the send lock
   * (whose next release wakes it); EVENT_WRITABLE parks on O_WRITE_SEQ,
   * flagging the receive lock. `eventValue` is the event word as read
   * before the queue was found empty (full), and `index` the tail (head)
   * found then: a spinning waiter watches both. `need`: how many units the
   * op needs, queued for a readable wait, of room for a writable one (a
   * ring's whole write). Infinity: no amount will do, only the object's
   * destruction or the handle's close ends the wait (HANDLE_WAIT through a
   * handle that can see none of the events asked for); the task then
   * sleeps through sends and receives instead of retrying at once.
   * Returns WOULD_BLOCK.
   */
  onQueue(o: number, objectSlot: number, event: number, eventValue: number, index: number, need: number): number {
    this.recheck = undefined;
    this.spins = true;
    this.need = need;
    const readable = event === L.EVENT_READABLE;
    this.word = o + (readable ? L.O_READ_SEQ : L.O_WRITE_SEQ);
    this.value = eventValue;
    this.checkWord = o + (readable ? L.O_TAIL : L.O_HEAD);
    this.checkValue = index;
    this.waiters = o + (readable ? L.O_SEND_LOCK : L.O_RECV_LOCK);
    this.flag = L.QUEUE_PEERS_WAITING;
    this.object = objectSlot + 1;
    this.event = event;
    return WOULD_BLOCK;
  }

  /**
   * A wait on the kernel-wide word `word` (H_POLL_SEQ), whose waiters are
   * counted in `waitersWord` (H_POLLERS) and which wakers bump only while
   * that count is above 0: no spinning, and after counting itself the
   * waiter runs `recheck`, which re-reads `value` and looks again. Returns
   * WOULD_BLOCK.
   */
  onMany(word: number, waitersWord: number, recheck: (wait: WaitRecord) => boolean): number {
    this.word = word;
    this.value = 0;
    this.checkWord = word;
    this.checkValue = 0;
    this.waiters = waitersWord;
    this.flag = 0;
    this.object = 0;
    this.event = 0;
    this.recheck = recheck;
    this.spins = false;
    return WOULD_BLOCK;
  }

  /** Makes this record the same wait as `other`. */
  copyFrom(other: WaitRecord): void {
    this.word = other.word;
    this.value = other.value;
    this.waiters = other.waiters;
    this.flag = other.flag;
    this.checkWord = other.checkWord;
    this.checkValue = other.checkValue;
    this.object = other.object;
    this.event = other.event;
    this.need = other.need;
    this.recheck = other.recheck;
    this.spins = other.spins;
  }
}
