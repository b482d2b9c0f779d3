/** Small statistics for interleaved rounds: the median decides, the spread shows the noise. */

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The spread of rounds as a fraction of their median: (max - min) / median. */
export function spread(values) {
  if (values.length < 2) return 0
  const m = median(values)
  return m === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / m
}

/** The p-th percentile (0..100) of an already sorted array, nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

/**
 * Runs `baseline` and `subject` alternately for `rounds` rounds (baseline first each round), so
 * both see the same background load, and returns each side's per-round measurements.
 */
export async function interleave(rounds, baseline, subject) {
  const out = { baseline: [], subject: [] }
  for (let round = 0; round < rounds; round += 1) {
    out.baseline.push(await baseline(round))
    out.subject.push(await subject(round))
  }
  return out
}

/** Summarises per-round numbers: median, spread, and the raw rounds. */
export function summary(values) {
  return { median: median(values), spread: spread(values), rounds: values }
}
