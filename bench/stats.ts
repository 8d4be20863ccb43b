/**
 * The few statistics the benchmarks report: medians and percentiles over the
 * per-round figures (one figure per round, so a few slow rounds on a busy
 * machine move the spread, not the median).
 */

/** The p-th percentile (0..100) of `values`, interpolating between neighbours. NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (rank - below);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
  /** Every kept round, in the order they ran. */
  rounds: number[];
}

export function summarize(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: values.length === 0 ? NaN : Math.min(...values),
    max: values.length === 0 ? NaN : Math.max(...values),
    p10: percentile(values, 10),
    p90: percentile(values, 90),
    rounds: [...values],
  };
}
