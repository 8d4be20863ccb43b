/**
 * Rounds of the postMessage consumers (pm-consumer.ts, pm-value-consumer.ts,
 * pm-transfer-consumer.ts): timed bursts (bursts.ts) whose items arrive as
 * 'message' events on a MessagePort, so a round is a promise that the
 * burst's last arrival resolves. A consumer supplies only how to take one
 * arrival (check it, count it); every arrival is taken, so a fast wrong
 * answer fails the run.
 *
 * With several producer → consumer pairs (channel-4x4), one consumer drives
 * the side (drivePostedBursts) and the others follow (followPostedBursts):
 * each receives its own producer's share of every burst.
 */
import type { MessagePort } from 'node:worker_threads';
import { type Control, C_PEER_COUNT } from '../control.js';
import { BurstDriver, type BurstLimits, type BurstOptions } from './bursts.js';
import { driveAsync, type RoundResult } from './driver.js';

/**
 * Takes one arrival, `received` items into the consumer's share of the
 * burst: throws unless it is what should come next, and returns how many
 * items it carries (at least 1).
 */
export type TakeArrival<T> = (arrival: T, received: number) => number;

export interface PostedBurstOptions extends BurstOptions {
  /**
   * Runs once this consumer has `mine` items, its producer's share of a
   * burst of `n`, before the clock stops (and may block: nothing more comes
   * to this port in the burst). The driver of several pairs waits for the
   * other consumers here.
   */
  afterShare?: (mine: number, n: number) => void;
}

/**
 * Drives the side from this consumer: per round, sizes a burst, tells the
 * producers, starts the clock, takes every arrival on `port` with `take`,
 * and stops the clock at the last of its share. Until the runner stops the
 * side; then dismisses the producers and closes `port`. Call after
 * reportReady (driver.ts).
 */
export async function drivePostedBursts<T>(
  port: MessagePort,
  control: Control,
  limits: BurstLimits,
  take: TakeArrival<T>,
  options: PostedBurstOptions = {},
): Promise<void> {
  const bursts = new BurstDriver(control, limits, options);
  const producers = options.producers ?? 1;
  let onArrival: ((arrival: T) => void) | undefined;
  port.on('message', (arrival: T) => {
    if (onArrival === undefined) throw new Error('bench: a message arrived outside a burst');
    onArrival(arrival);
  });
  const round = (budgetMs: number): Promise<RoundResult> =>
    new Promise((resolve, reject) => {
      let n = 0;
      let share = 0;
      let received = 0;
      onArrival = (arrival) => {
        try {
          received += take(arrival, received);
          if (received < share) return;
          onArrival = undefined;
          options.afterShare?.(received, n);
          resolve(bursts.end());
        } catch (error) {
          onArrival = () => {}; // the round has failed; what is still queued does not matter
          reject(error);
        }
      };
      n = bursts.begin(budgetMs);
      share = n / producers;
    });
  await driveAsync(control, round);
  bursts.dismissProducers();
  port.close();
}

/**
 * A consumer of several pairs that does not drive: takes every arrival on
 * `port` with `take`, and calls `onShare(mine)` each time it has its share
 * of a burst (the driver's C_PEER_COUNT, read at the burst's first
 * arrival). Returns at once; the worker leaves when its producer closes the
 * port.
 */
export function followPostedBursts<T>(port: MessagePort, control: Control, take: TakeArrival<T>, onShare: (mine: number) => void): void {
  let received = 0;
  let share = 0;
  port.on('message', (arrival: T) => {
    if (received === 0) share = Atomics.load(control.words, C_PEER_COUNT);
    received += take(arrival, received);
    if (received >= share) {
      const mine = received;
      received = 0;
      onShare(mine);
    }
  });
}
