import { describe, expect, it } from 'vitest'
import { createRefreshFlights } from './refresh-flights.js'

describe('refresh flights', () => {
  it('shares one running refresh between callers and forgets it once settled', async () => {
    const flights = createRefreshFlights<string>()
    let starts = 0
    let finish!: (value: string) => void
    const start = () => {
      starts += 1
      return new Promise<string>((resolve) => (finish = resolve))
    }
    const first = flights.run('conn_1', false, start)
    const second = flights.run('conn_1', false, start)
    expect(flights.joinable('conn_1')).toBe(first)
    finish('fresh')
    expect(await Promise.all([first, second, flights.joinable('conn_1')])).toEqual(['fresh', 'fresh', 'fresh'])
    expect(starts).toBe(1)
    expect(flights.joinable('conn_1')).toBeUndefined()
  })

  it('does not offer a forced refresh to callers who only found their credentials due', async () => {
    const flights = createRefreshFlights<string>()
    const forced = flights.run('conn_1', true, async () => 'renewed')
    expect(flights.joinable('conn_1')).toBeUndefined()
    expect(await forced).toBe('renewed')
  })
})
