import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import {
  createKeyRing,
  keyFingerprint,
  open,
  parseKeyRing,
  relabelLegacy,
  seal,
} from './seal.js'

const k1 = { id: 'k1', key: randomBytes(32) }
const k2 = { id: 'k2', key: randomBytes(32) }
const AAD = 'connections:conn-1:credentials'
const FINGERPRINT = /^[A-Za-z0-9_-]{16}$/

/** What a value sealed before fingerprints looked like: the same bytes, a label for the id. */
function asLegacy(sealed: string, label: string): string {
  return ['pb1', label, ...sealed.split('.').slice(2)].join('.')
}

function openError(run: () => string): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected open to fail')
}

describe('seal and open', () => {
  it('round-trips text, including empty and non-ASCII text', () => {
    const ring = createKeyRing([k1])
    for (const text of ['{"access_token":"abc"}', '', 'żółw 🐢']) {
      expect(open(ring, seal(ring, text, AAD), AAD)).toBe(text)
    }
  })

  it("produces the pb2 format with the primary key's fingerprint", () => {
    const sealed = seal(createKeyRing([k1]), 'secret', AAD)
    const id = keyFingerprint(k1.key)
    expect(sealed.startsWith(`pb2.${id}.`)).toBe(true)
    expect(sealed).toMatch(/^pb2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
    expect(sealed).not.toContain('secret')
  })

  it('uses a fresh nonce, so sealing the same text twice differs', () => {
    const ring = createKeyRing([k1])
    const a = seal(ring, 'same text', AAD)
    const b = seal(ring, 'same text', AAD)
    expect(a).not.toBe(b)
    expect(a.split('.')[2]).not.toBe(b.split('.')[2])
  })

  it('refuses a value opened with another row identity', () => {
    const ring = createKeyRing([k1])
    const sealed = seal(ring, 'top secret', AAD)
    const error = openError(() => open(ring, sealed, 'connections:conn-2:credentials'))
    expect(isPatchbayError(error, 'internal')).toBe(true)
    expect((error as Error).message).not.toContain('top secret')
  })

  it('refuses a value sealed with a key of the same id but other bytes', () => {
    const sealed = seal(createKeyRing([k1]), 'top secret', AAD)
    const other = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
    expect(isPatchbayError(openError(() => open(other, sealed, AAD)), 'internal')).toBe(true)
  })

  it("refuses a value whose key is not in the ring, naming the key's fingerprint", () => {
    const sealed = seal(createKeyRing([k2]), 'top secret', AAD)
    const error = openError(() => open(createKeyRing([k1]), sealed, AAD))
    expect(isPatchbayError(error, 'internal')).toBe(true)
    expect((error as Error).message).toContain(`"${keyFingerprint(k2.key)}"`)
    expect((error as { details: unknown }).details).toEqual({
      reason: 'key_missing',
      key_id: keyFingerprint(k2.key),
    })
  })

  it('gives two different keys different ids, whatever their labels (#8)', () => {
    const sameLabel = { id: 'k1', key: randomBytes(32) }
    const a = createKeyRing([k1])
    const b = createKeyRing([sameLabel])
    expect(a.primaryKeyId).toMatch(FINGERPRINT)
    expect(b.primaryKeyId).toMatch(FINGERPRINT)
    expect(a.primaryKeyId).not.toBe(b.primaryKeyId)
    expect(createKeyRing([{ key: k1.key }]).primaryKeyId).toBe(a.primaryKeyId)
    // The id names the key without revealing it.
    expect(a.primaryKeyId).not.toContain(k1.key.toString('base64url').slice(0, 8))
    const error = openError(() => open(b, seal(a, 'top secret', AAD), AAD))
    expect((error as { details: { reason: string } }).details.reason).toBe('key_missing')
  })

  it('opens values sealed before fingerprints by their label, and renames them', () => {
    const ring = createKeyRing([k2, k1])
    const legacy = asLegacy(seal(createKeyRing([k1]), 'old secret', AAD), 'k1')
    expect(open(ring, legacy, AAD)).toBe('old secret')
    const renamed = relabelLegacy(ring, legacy, AAD)
    expect(renamed?.startsWith(`pb2.${keyFingerprint(k1.key)}.`)).toBe(true)
    expect(open(createKeyRing([{ key: k1.key }]), renamed!, AAD)).toBe('old secret')
    // The label's key must prove it opens the value before its fingerprint is written.
    const other = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
    expect(relabelLegacy(other, legacy, AAD)).toBeNull()
    expect(relabelLegacy(createKeyRing([k2]), legacy, AAD)).toBeNull()
  })

  it('refuses tampered or malformed values', () => {
    const ring = createKeyRing([k1])
    const sealed = seal(ring, 'top secret', AAD)
    const [format, id, nonce, body] = sealed.split('.') as [string, string, string, string]
    const flipped = (body[0] === 'A' ? 'B' : 'A') + body.slice(1)
    for (const bad of [
      [format, id, nonce, flipped].join('.'),
      [format, id, nonce, body.slice(0, 10)].join('.'),
      [format, id, nonce.slice(2), body].join('.'),
      ['pb0', id, nonce, body].join('.'),
      [format, id, nonce].join('.'),
      `${sealed}.extra`,
      'not sealed at all',
    ]) {
      expect(isPatchbayError(openError(() => open(ring, bad, AAD)), 'internal'), bad).toBe(true)
    }
  })

  it('opens old values after rotation and seals new ones with the new key', () => {
    const before = createKeyRing([k1])
    const oldValue = seal(before, 'old secret', AAD)
    const after = createKeyRing([k2, k1])
    expect(open(after, oldValue, AAD)).toBe('old secret')
    const newValue = seal(after, 'new secret', AAD)
    expect(newValue.startsWith(`pb2.${keyFingerprint(k2.key)}.`)).toBe(true)
    expect(open(after, newValue, AAD)).toBe('new secret')
    expect(isPatchbayError(openError(() => open(before, newValue, AAD)), 'internal')).toBe(true)
  })
})

describe('createKeyRing', () => {
  it('names the first key primary', () => {
    const ring = createKeyRing([k2, k1])
    expect(ring.primaryKeyId).toBe(keyFingerprint(k2.key))
    expect(ring.keyIds).toEqual([keyFingerprint(k2.key), keyFingerprint(k1.key)])
  })

  it('does not show key bytes when the ring is logged or serialized', () => {
    const ring = createKeyRing([k1])
    for (const shown of [inspect(ring, { depth: 10, showHidden: true }), JSON.stringify(ring)]) {
      expect(shown).not.toContain(k1.key.toString('base64'))
      expect(shown).not.toContain(k1.key.toString('hex'))
    }
  })

  it('is not affected when the caller wipes its key buffer', () => {
    const key = randomBytes(32)
    const ring = createKeyRing([{ id: 'k1', key }])
    const sealed = seal(ring, 'secret', AAD)
    key.fill(0)
    expect(open(ring, sealed, AAD)).toBe('secret')
  })

  it('rejects an empty ring, short keys, repeated and malformed ids', () => {
    expect(() => createKeyRing([])).toThrow(TypeError)
    expect(() => createKeyRing([{ id: 'k1', key: randomBytes(16) }])).toThrow(/32 bytes/)
    expect(() => createKeyRing([k1, { ...k2, id: 'k1' }])).toThrow(/twice/)
    expect(() => createKeyRing([k1, { ...k1, id: 'k9' }])).toThrow(/twice/)
    expect(() => createKeyRing([{ id: 'a.b', key: randomBytes(32) }])).toThrow(TypeError)
    expect(() => createKeyRing([{ id: '', key: randomBytes(32) }])).toThrow(TypeError)
  })
})

describe('parseKeyRing', () => {
  const key = randomBytes(32)

  it('reads one base64 or base64url key, labelled k1 for values from before fingerprints', () => {
    const base64 = key.toString('base64')
    const forms = [base64, key.toString('base64url'), ` ${base64}\n`]
    for (const text of forms) {
      const ring = parseKeyRing(text)
      expect(ring.keyIds).toEqual([keyFingerprint(key)])
      const sealed = seal(createKeyRing([{ key }]), 'x', AAD)
      expect(open(ring, sealed, AAD)).toBe('x')
      expect(open(ring, asLegacy(sealed, 'k1'), AAD)).toBe('x')
    }
  })

  it('reads a list of id:key with the first one primary', () => {
    const ring = parseKeyRing(`k2:${k2.key.toString('base64url')}, k1:${k1.key.toString('base64')}`)
    expect(ring.primaryKeyId).toBe(keyFingerprint(k2.key))
    expect(ring.keyIds).toEqual([keyFingerprint(k2.key), keyFingerprint(k1.key)])
    expect(open(ring, seal(createKeyRing([k1]), 'old', AAD), AAD)).toBe('old')
    expect(open(ring, asLegacy(seal(createKeyRing([k1]), 'old', AAD), 'k1'), AAD)).toBe('old')
    expect(open(createKeyRing([k2]), seal(ring, 'new', AAD), AAD)).toBe('new')
  })

  it('rejects keys of the wrong length without echoing them', () => {
    const short = randomBytes(16).toString('base64')
    const long = randomBytes(48).toString('base64url')
    for (const text of [short, `k1:${long}`, `k2:${key.toString('base64')},k1:${short}`]) {
      let error: unknown
      try {
        parseKeyRing(text)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/expected 32/)
      expect((error as Error).message).not.toContain(short)
      expect((error as Error).message).not.toContain(long)
    }
  })

  it('rejects empty values, bad characters, missing ids and repeated ids', () => {
    const good = key.toString('base64')
    expect(() => parseKeyRing('')).toThrow(TypeError)
    expect(() => parseKeyRing('   ')).toThrow(TypeError)
    expect(() => parseKeyRing('not a key!')).toThrow(/base64/)
    expect(() => parseKeyRing(`k1:${good},${good}`)).toThrow(/entry 2/)
    expect(() => parseKeyRing(`:${good}`)).toThrow(/entry 1/)
    expect(() => parseKeyRing(`k.1:${good}`)).toThrow(/entry 1/)
    expect(() => parseKeyRing(`k1:${good},k1:${good}`)).toThrow(/twice/)
    for (const text of [`k1:${good},${good}`, 'not a key!']) {
      try {
        parseKeyRing(text)
      } catch (error) {
        expect((error as Error).message).not.toContain(good)
      }
    }
  })
})
