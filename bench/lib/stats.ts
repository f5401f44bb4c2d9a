/** Small statistics helpers shared by the benchmarks. */

/**
 * The `p`-th percentile (0–100) of `values` by nearest rank; NaN for no values.
 * @example percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * The median of `values` (mean of the middle two for an even count).
 * @example median([3, 1, 2]) // 2
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** Formats `n` with `digits` decimals, or "—" when it is not a number. */
export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "—";
}

/**
 * A bootstrap 95% interval of the median of `values`: `resamples` resamples with replacement
 * (seeded, so a run's report is reproducible from its numbers), the 2.5th and 97.5th percentiles
 * of their medians. For paired differences: is the median difference stable, and how far off.
 * @example bootstrapMedianInterval([1.2, 0.8, 1.1, 0.9, 1.4]) // [0.9, 1.2]
 */
export function bootstrapMedianInterval(values: readonly number[], resamples = 4000): [number, number] {
  if (values.length === 0) return [Number.NaN, Number.NaN];
  let seed = 0x2f6b_1d3;
  // mulberry32: small, seeded, good enough to draw indices.
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const medians: number[] = [];
  const sample = new Array<number>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++)
      sample[i] = values[Math.floor(random() * values.length)] as number;
    medians.push(median(sample));
  }
  return [percentile(medians, 2.5), percentile(medians, 97.5)];
}
