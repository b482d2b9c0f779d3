import { describe, expect, it } from 'vitest'
import { getPath } from './json-path.js'

describe('getPath', () => {
  const value = {
    data: { user: { login: 'ada' } },
    items: [{ id: 'first' }, { id: 'second' }],
    'a.b': 1,
    zero: 0,
    empty: null,
  }

  it('reads a nested dot path', () => {
    expect(getPath(value, 'data.user.login')).toBe('ada')
  })

  it('reads array items by index', () => {
    expect(getPath(value, 'items.1.id')).toBe('second')
  })

  it('finds a key that itself contains a dot', () => {
    expect(getPath(value, 'a.b')).toBe(1)
  })

  it('returns the value itself for an empty path', () => {
    expect(getPath(value, '')).toBe(value)
  })

  it('keeps falsy values such as 0 and null', () => {
    expect(getPath(value, 'zero')).toBe(0)
    expect(getPath(value, 'empty')).toBeNull()
  })

  it('returns undefined for an absent path or one that runs through a scalar', () => {
    expect(getPath(value, 'data.user.email')).toBeUndefined()
    expect(getPath(value, 'nothing.here')).toBeUndefined()
    expect(getPath(value, 'zero.x')).toBeUndefined()
    expect(getPath(value, 'empty.x')).toBeUndefined()
    expect(getPath('text', 'length')).toBeUndefined()
  })

  it('does not read inherited properties', () => {
    expect(getPath({}, 'constructor')).toBeUndefined()
    expect(getPath({ a: {} }, 'a.toString')).toBeUndefined()
  })
})
