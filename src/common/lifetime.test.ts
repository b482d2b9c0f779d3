import { describe, expect, it } from 'vitest'
import { lifetimeSeconds } from './lifetime.js'

describe('lifetimeSeconds', () => {
  it('reads seconds by default, as RFC 6749 says', () => {
    expect(lifetimeSeconds(3600)).toBe(3600)
    expect(lifetimeSeconds(59.9, 'seconds')).toBe(59)
  })

  it('converts milliseconds, minutes and hours to whole seconds, rounding down', () => {
    expect(lifetimeSeconds(3_600_000, 'milliseconds')).toBe(3600)
    expect(lifetimeSeconds(7_199_999, 'milliseconds')).toBe(7199)
    expect(lifetimeSeconds(90, 'minutes')).toBe(5400)
    expect(lifetimeSeconds(2, 'hours')).toBe(7200)
  })
})
