import { describe, expect, it } from 'vitest'
import { nextRetryDelay } from './backoff.js'

const policy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 5000 }

describe('webhook retry delays', () => {
  it('doubles after each failure, up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => nextRetryDelay(n, policy, 0))).toEqual([1000, 2000, 4000, 5000])
  })

  it('takes at most a fifth off as jitter', () => {
    expect(nextRetryDelay(2, policy, 0.999)).toBeGreaterThanOrEqual(1600)
    expect(nextRetryDelay(2, policy, 0.999)).toBeLessThanOrEqual(2000)
  })

  it('gives up once every attempt is used', () => {
    expect(nextRetryDelay(5, policy, 0)).toBeNull()
    expect(nextRetryDelay(1, { ...policy, maxAttempts: 1 }, 0)).toBeNull()
  })
})
