import { describe, expect, it } from 'vitest'
import { durationSeconds } from './duration.js'

describe('durationSeconds', () => {
  it('takes a plain number as seconds', () => {
    expect(durationSeconds(90)).toBe(90)
  })

  it('converts minutes, hours and days', () => {
    expect(durationSeconds({ value: 5, unit: 'minutes' })).toBe(300)
    expect(durationSeconds({ value: 2, unit: 'hours' })).toBe(7200)
    expect(durationSeconds({ value: 1.5, unit: 'days' })).toBe(129_600)
    expect(durationSeconds({ value: 10, unit: 'seconds' })).toBe(10)
  })

  it('refuses an unknown unit or a negative value with a TypeError', () => {
    expect(() => durationSeconds({ value: 1, unit: 'weeks' as never })).toThrow(TypeError)
    expect(() => durationSeconds(-1)).toThrow(TypeError)
    expect(() => durationSeconds({ value: Number.NaN, unit: 'hours' })).toThrow(TypeError)
  })
})
