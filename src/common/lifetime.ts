/**
 * The units a provider may give a token lifetime (`expires_in`) in: RFC 6749 says seconds, a
 * few providers answer milliseconds or minutes.
 */
export const EXPIRES_IN_UNITS = ['seconds', 'milliseconds', 'minutes', 'hours'] as const

export type ExpiresInUnit = (typeof EXPIRES_IN_UNITS)[number]

/** A unit as a fraction of a second: [numerator, denominator], so no float rounding creeps in. */
const IN_SECONDS: Record<ExpiresInUnit, readonly [number, number]> = {
  seconds: [1, 1],
  milliseconds: [1, 1000],
  minutes: [60, 1],
  hours: [3600, 1],
}

/**
 * A lifetime given in `unit` as whole seconds (rounded down, so a token is never kept past its
 * end); seconds when no unit is declared.
 * @example lifetimeSeconds(3_600_000, 'milliseconds') // 3600
 */
export function lifetimeSeconds(value: number, unit: ExpiresInUnit = 'seconds'): number {
  const [times, per] = IN_SECONDS[unit] ?? IN_SECONDS.seconds
  return Math.floor((value * times) / per)
}
