/**
 * One-way rounds shared by the synchronous producer/consumer pairs (kipc and
 * the bare ring): the consumer drives the side, and per round tells its
 * producer through the control block how many messages to send, starts the
 * clock, receives them all and stops it. The burst is sized from the
 * previous round's rate to fill the round's time budget.
 */
import { type Control, C_PEER_COUNT, C_PEER_GO } from '../control.js';
import type { RoundResult } from './driver.js';

const FIRST_BURST = 20_000;
const MIN_BURST = 5_000;
const MAX_BURST = 20_000_000;

/** Consumer side: times bursts of `receiveBurst(n)`, which must return once n messages arrived. */
export class BurstRounds {
  private burst = 0;
  private rate = 0;

  constructor(
    private readonly control: Control,
    private readonly receiveBurst: (n: number) => void,
  ) {}

  round(budgetMs: number): RoundResult {
    const words = this.control.words;
    const n = this.rate === 0 ? FIRST_BURST : Math.min(MAX_BURST, Math.max(MIN_BURST, Math.round((this.rate * budgetMs) / 1000)));
    Atomics.store(words, C_PEER_COUNT, n);
    const start = performance.now();
    Atomics.store(words, C_PEER_GO, ++this.burst);
    Atomics.notify(words, C_PEER_GO);
    this.receiveBurst(n);
    this.rate = n / ((performance.now() - start) / 1000);
    return { value: this.rate, ops: n };
  }

  /** Tells the producer to leave (after the last round). */
  dismissProducer(): void {
    Atomics.store(this.control.words, C_PEER_GO, -1);
    Atomics.notify(this.control.words, C_PEER_GO);
  }
}

/** Producer side: sends each burst the consumer asks for, until dismissed. */
export function serveBursts(control: Control, sendBurst: (n: number) => void): void {
  const words = control.words;
  let seen = 0;
  for (;;) {
    Atomics.wait(words, C_PEER_GO, seen);
    seen = Atomics.load(words, C_PEER_GO);
    if (seen < 0) return;
    sendBurst(Atomics.load(words, C_PEER_COUNT));
  }
}
