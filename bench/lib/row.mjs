import { summary } from './stats.mjs'

/**
 * One line of the table. `higherIsBetter` says whether the figures are rates (req/s, ops/s) or
 * durations; the ratio is always Patchbay ÷ baseline of the per-round medians.
 */
export function row({ path, baselineLabel, unit, baseline, subject, higherIsBetter, target, extra, note }) {
  const b = Array.isArray(baseline) ? summary(baseline) : baseline
  const s = Array.isArray(subject) ? summary(subject) : subject
  return {
    path,
    baselineLabel,
    unit,
    higherIsBetter,
    baseline: b,
    patchbay: s,
    ratio: b && s && b.median ? s.median / b.median : null,
    ...(extra ? { extra } : {}),
    target,
    ...(note ? { note } : {}),
  }
}

/** A row whose Patchbay side cannot be measured today (the API does not exist yet). */
export function missing({ path, baselineLabel, unit, baseline, target, note }) {
  return { path, baselineLabel, unit, baseline: baseline ?? null, patchbay: null, ratio: null, target, note }
}
