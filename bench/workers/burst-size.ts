/**
 * Burst sizing of the consumer-driven rounds whose limits differ from
 * bursts.ts's (the 4x4 channel, values, 64 KiB chunks): as many items as the
 * previous round's rate moves in the round's time budget, within limits.
 */

export interface BurstLimits {
  /** Items in the first round, before there is a rate. */
  first: number;
  min: number;
  max: number;
}

/** Items for the next burst at `rate` per second (0: no round yet), rounded up to a multiple of `multiple`. */
export function burstSize(rate: number, budgetMs: number, limits: BurstLimits, multiple = 1): number {
  const n = rate === 0 ? limits.first : Math.min(limits.max, Math.max(limits.min, Math.round((rate * budgetMs) / 1000)));
  return Math.ceil(n / multiple) * multiple;
}
