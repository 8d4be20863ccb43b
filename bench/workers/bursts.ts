/**
 * Timed bursts, the rounds of every throughput side (one-way, channel,
 * channel-4x4, channel-values, ring-stream, the bare ring): the consumer
 * that drives the side sizes a burst, tells its producers through the
 * control block how many items each is to send (C_PEER_COUNT), starts the
 * clock, says go (C_PEER_GO), and stops the clock once the whole burst is
 * in. Producers serve bursts until dismissed (C_PEER_GO = -1). This module
 * is the only place bursts are sized.
 *
 * Sizing: a burst is as many items as the lower of the last two rounds'
 * rates moves in the round's time budget, within the side's `min` and
 * `max`, rounded up to a multiple of `multiple`. The first burst, before
 * there is a rate, is the side's `first`; its rate (a fixed size on cold
 * code) sizes the second burst only, and the third is sized from the
 * second's rate alone.
 *
 * Why the lower of two: a burst is fixed once its producers start (they do
 * not look at the clock), so a round lasts its budget × (the rate it was
 * sized at / the rate it runs at). This VM's two vCPUs swing between close
 * and far apart (the bare ring: 3.5 M msg/s in one round, 13 M in the
 * next); sized from the last rate alone, one fast round made the next,
 * back at the usual pace, run for several times its budget. Now a round
 * overruns its budget only by as much as it runs slower than both rounds
 * before it, and a steady machine sees rounds of about the budget. What no
 * rule on past rates bounds is a fall far below both (the bare ring once
 * went from 18.6 M msg/s in one round to 0.03 M in the next): that round
 * stretches by the factor of the fall, and the runner's 60 s round limit
 * (harness.ts) fails the run rather than wait for ever.
 */
import { type Control, C_PEER_COUNT, C_PEER_GO, wakeWord } from '../control.js';
import { driveSync, type RoundResult } from './driver.js';

/** How many items (messages, values, chunks) a side's bursts may have. */
export interface BurstLimits {
  /** Items in the first burst, before there is a rate. */
  first: number;
  /** Fewest items in a burst. */
  min: number;
  /** Most items in a burst. */
  max: number;
}

/** 64-byte messages through shared memory: kipc ports and channels, the bare ring. */
export const SHARED_MESSAGE_BURSTS: BurstLimits = { first: 20_000, min: 5_000, max: 20_000_000 };
/** 64-byte messages by postMessage. Its queue is unbounded: the cap keeps a fast round from piling up hundreds of MB. */
export const POSTED_MESSAGE_BURSTS: BurstLimits = { first: 5_000, min: 1_000, max: 2_000_000 };
/** Structured values (values.ts) by postMessage, capped lower for the same reason. */
export const POSTED_VALUE_BURSTS: BurstLimits = { first: 5_000, min: 1_000, max: 500_000 };
/** 64 KiB chunks, kipc ring and postMessage alike (the first burst, 500 chunks, is 33 MB). */
export const CHUNK_BURSTS: BurstLimits = { first: 500, min: 100, max: 200_000 };

export interface BurstOptions {
  /** Producers, each sent an equal share of every burst (default 1). */
  producers?: number;
  /** Every burst is a multiple of this (default `producers`); it must be a multiple of `producers`. */
  multiple?: number;
  /** With it, a round's figure is GB/s of items of this many bytes; without, items per second. */
  bytesPerItem?: number;
}

/**
 * The driving consumer's end of the bursts: sizes each (see above), starts
 * and stops its clock, and reports the round's figure. Call begin() and
 * end() alternately, from the one thread that drives the side.
 */
export class BurstDriver {
  private readonly producers: number;
  private readonly multiple: number;
  private readonly bytesPerItem: number | undefined;
  private bursts = 0;
  private items = 0;
  private start = 0;
  /** Items per second of the last round and of the one before it (0: none, or the first burst's). */
  private lastRate = 0;
  private previousRate = 0;

  constructor(
    private readonly control: Control,
    private readonly limits: BurstLimits,
    options: BurstOptions = {},
  ) {
    this.producers = options.producers ?? 1;
    this.multiple = options.multiple ?? this.producers;
    this.bytesPerItem = options.bytesPerItem;
    if (this.multiple % this.producers !== 0) throw new Error(`bench: bursts in multiples of ${this.multiple} cannot be split among ${this.producers} producers`);
  }

  /** Items in the next burst, for a round of `budgetMs`. */
  private size(budgetMs: number): number {
    const rate = this.previousRate === 0 ? this.lastRate : Math.min(this.lastRate, this.previousRate);
    const { first, min, max } = this.limits;
    const n = rate === 0 ? first : Math.min(max, Math.max(min, Math.round((rate * budgetMs) / 1000)));
    return Math.ceil(n / this.multiple) * this.multiple;
  }

  /**
   * Sizes the next burst for a round of `budgetMs`, tells each producer its
   * share, starts the clock and says go. Returns the burst's items (all
   * producers'). The consumer then receives them and calls end().
   */
  begin(budgetMs: number): number {
    const words = this.control.words;
    const n = this.size(budgetMs);
    this.items = n;
    Atomics.store(words, C_PEER_COUNT, n / this.producers);
    this.start = performance.now();
    Atomics.store(words, C_PEER_GO, ++this.bursts);
    wakeWord(this.control.futex, words, C_PEER_GO);
    return n;
  }

  /** Stops the clock of the burst begun last, which must be all in, and returns the round's figure. */
  end(): RoundResult {
    const seconds = (performance.now() - this.start) / 1000;
    this.previousRate = this.bursts > 2 ? this.lastRate : 0; // the first burst's rate sizes the second only
    this.lastRate = this.items / seconds;
    const value = this.bytesPerItem === undefined ? this.lastRate : (this.items * this.bytesPerItem) / seconds / 1e9;
    return { value, ops: this.items };
  }

  /** Tells every peer waiting in serveBursts to leave (after the last round). */
  dismissProducers(): void {
    Atomics.store(this.control.words, C_PEER_GO, -1);
    wakeWord(this.control.futex, this.control.words, C_PEER_GO);
  }
}

/**
 * A consumer that drives its side and blocks while receiving (kipc tasks,
 * the bare ring): runs the side's rounds, each a burst that
 * `receiveBurst(n)` must have received all of when it returns, until the
 * runner stops the side; then dismisses the producers. Call after
 * reportReady (driver.ts).
 */
export function driveBurstRounds(control: Control, limits: BurstLimits, receiveBurst: (n: number) => void, options: BurstOptions = {}): void {
  const bursts = new BurstDriver(control, limits, options);
  driveSync(control, (budgetMs) => {
    receiveBurst(bursts.begin(budgetMs));
    return bursts.end();
  });
  bursts.dismissProducers();
}

/** Producer side: calls `sendBurst(n)` for each burst the driver asks for (n: this producer's share), until dismissed. */
export function serveBursts(control: Control, sendBurst: (n: number) => void): void {
  const words = control.words;
  let seen = 0;
  for (;;) {
    control.futex.wait(words, C_PEER_GO, seen, Infinity);
    seen = Atomics.load(words, C_PEER_GO);
    if (seen < 0) return;
    sendBurst(Atomics.load(words, C_PEER_COUNT));
  }
}
