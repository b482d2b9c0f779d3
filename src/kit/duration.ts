/** The units a duration may be written in (Appmixer's `refreshBeforeExpUnits`). */
export const DURATION_UNITS = ['seconds', 'minutes', 'hours', 'days'] as const

export type DurationUnit = (typeof DURATION_UNITS)[number]

/** A length of time: seconds as a plain number, or a value with its unit. */
export type Duration = number | { value: number; unit: DurationUnit }

const SECONDS_PER: Record<DurationUnit, number> = {
  seconds: 1,
  minutes: 60,
  hours: 3600,
  days: 86_400,
}

/**
 * A duration in whole seconds.
 * @example durationSeconds({ value: 2, unit: 'hours' }) // 7200
 * @throws TypeError for a negative or non-finite value, or an unknown unit
 */
export function durationSeconds(duration: Duration): number {
  const { value, unit } =
    typeof duration === 'number' ? { value: duration, unit: 'seconds' as const } : duration
  if (!Object.hasOwn(SECONDS_PER, unit)) {
    throw new TypeError(`Unknown duration unit "${String(unit)}"; use ${DURATION_UNITS.join(', ')}`)
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`A duration must be a non-negative number, got ${String(value)}`)
  }
  return Math.round(value * SECONDS_PER[unit])
}
