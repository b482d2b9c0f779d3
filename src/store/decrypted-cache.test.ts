import { describe, expect, it } from 'vitest'
import { copyJson, createDecryptedCache } from './decrypted-cache.js'

describe('the decrypted-row cache', () => {
  it('answers only for the version it holds, and forgets a stale entry', () => {
    const cache = createDecryptedCache<string>(10)
    cache.set('a', 1, 'one')
    expect(cache.get('a', 1)).toBe('one')
    expect(cache.get('a', 2)).toBeUndefined()
    expect(cache.has('a')).toBe(false)
  })

  it('keeps at most its size, evicting the least recently used', () => {
    const cache = createDecryptedCache<string>(2)
    cache.set('a', 1, 'a')
    cache.set('b', 1, 'b')
    expect(cache.get('a', 1)).toBe('a')
    cache.set('c', 1, 'c')
    expect(cache.has('b')).toBe(false)
    expect([cache.has('a'), cache.has('c'), cache.size]).toEqual([true, true, 2])
  })

  it('keeps nothing at size 0, and forgets deleted and cleared entries', () => {
    const off = createDecryptedCache<string>(0)
    off.set('a', 1, 'a')
    expect(off.size).toBe(0)
    const cache = createDecryptedCache<string>(5)
    cache.set('a', 1, 'a')
    cache.set('b', 1, 'b')
    cache.delete('a')
    expect(cache.has('a')).toBe(false)
    cache.clear()
    expect(cache.size).toBe(0)
  })

  it('refuses a size that is not a whole number', () => {
    expect(() => createDecryptedCache(-1)).toThrow(TypeError)
    expect(() => createDecryptedCache(1.5)).toThrow(TypeError)
  })
})

describe('copyJson', () => {
  it('copies deeply, keeping an own __proto__ key as a key', () => {
    const value = JSON.parse('{"a":{"b":[1,{"c":true}]},"__proto__":{"x":1},"n":null}') as {
      [key: string]: unknown
    }
    const copy = copyJson(value as never) as typeof value
    expect(copy).toEqual(value)
    expect(copy['a']).not.toBe(value['a'])
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(Object.keys(copy)).toEqual(['a', '__proto__', 'n'])
  })
})
