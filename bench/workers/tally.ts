/**
 * Shared counters of the 4x4 channel sides (an Int32Array over
 * `data.tally`), cumulative over the run so that nobody resets them while
 * another thread may be adding: every consumer reports each burst it is done
 * with; the driving consumer (ConsumersTally) waits until the done count
 * reaches consumers × bursts, then checks the received count.
 */

/** kipc: producers that sent their share (the last of each burst sends the stop messages). */
export const T_FINISHED = 0;
/** Consumers done with a burst. */
export const T_DONE = 1;
/** Messages the consumers received. */
export const T_RECEIVED = 2;

export function createTally(): SharedArrayBuffer {
  return new SharedArrayBuffer(16 * 4);
}

/** A consumer is done with a burst in which it received `n` messages. */
export function reportBurstDone(tally: Int32Array, n: number): void {
  Atomics.add(tally, T_RECEIVED, n);
  Atomics.add(tally, T_DONE, 1);
  Atomics.notify(tally, T_DONE);
}

/**
 * The driving consumer, done with burst number `burst` (from 1): waits until
 * all `consumers` are, and checks that they received `expected` messages in
 * all bursts so far.
 */
export function awaitBurstDone(tally: Int32Array, consumers: number, burst: number, expected: number): void {
  for (let done = Atomics.load(tally, T_DONE); done < consumers * burst; done = Atomics.load(tally, T_DONE)) {
    Atomics.wait(tally, T_DONE, done, 1000);
  }
  const received = Atomics.load(tally, T_RECEIVED);
  if (received !== expected) throw new Error(`bench: the consumers received ${received} messages in all, not ${expected}`);
}

/**
 * The driving consumer's view of the tally: follows the bursts and the
 * messages the consumers should have received in all, so that one call per
 * burst reports this consumer done and waits for the others.
 */
export class ConsumersTally {
  private bursts = 0;
  private expected = 0;

  constructor(
    private readonly tally: Int32Array,
    private readonly consumers: number,
  ) {}

  /**
   * This consumer received `mine` messages of a burst of `n`: reports it,
   * waits until every consumer is done with the burst, and checks that all
   * `n` arrived. Call once per burst, in order.
   */
  settleBurst(mine: number, n: number): void {
    reportBurstDone(this.tally, mine);
    this.expected += n;
    awaitBurstDone(this.tally, this.consumers, ++this.bursts, this.expected);
  }
}
