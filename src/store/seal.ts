import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { PatchbayError } from '../errors.js'

/**
 * A set of AES-256 keys, each with an id. The primary key seals new values; every key opens.
 * The key bytes are kept out of the object itself, so logging or serializing a ring shows only
 * the ids.
 */
export interface KeyRing {
  readonly primaryKeyId: string
  readonly keyIds: readonly string[]
}

/** One key of a ring, as given to {@link createKeyRing}. */
export interface KeyRingEntry {
  id: string
  key: Buffer
}

const FORMAT = 'pb1'
const ALGORITHM = 'aes-256-gcm'
const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16
// The id is one field of the dot-separated sealed format, so it may not contain a dot.
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/
const BASE64URL = /^[A-Za-z0-9_-]*$/
const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/

const ringKeys = new WeakMap<KeyRing, ReadonlyMap<string, Buffer>>()

/**
 * Builds a key ring. The first entry is the primary key, used by {@link seal}; all entries can
 * {@link open}. Keys are copied, so the caller may wipe its buffers afterwards.
 *
 * @throws TypeError when the list is empty, an id is malformed or repeated, or a key is not
 *   32 bytes.
 */
export function createKeyRing(keys: readonly KeyRingEntry[]): KeyRing {
  if (keys.length === 0) throw new TypeError('a key ring needs at least one key')
  const map = new Map<string, Buffer>()
  for (const { id, key } of keys) {
    if (!KEY_ID.test(id)) {
      throw new TypeError(`key id ${JSON.stringify(id)} must be 1-64 characters of A-Z a-z 0-9 _ -`)
    }
    if (map.has(id)) throw new TypeError(`key id "${id}" appears twice in the key ring`)
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      const got = Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key
      throw new TypeError(`key "${id}" must be ${KEY_BYTES} bytes, got ${got}`)
    }
    map.set(id, Buffer.from(key))
  }
  const ids = [...map.keys()]
  const ring: KeyRing = Object.freeze({ primaryKeyId: ids[0]!, keyIds: Object.freeze(ids) })
  ringKeys.set(ring, map)
  return ring
}

function keysOf(ring: KeyRing): ReadonlyMap<string, Buffer> {
  const keys = ringKeys.get(ring)
  if (!keys) throw new TypeError('not a key ring made by createKeyRing')
  return keys
}

/**
 * Encrypts `plaintext` with the ring's primary key (AES-256-GCM, a fresh random 96-bit nonce per
 * call) and returns `pb1.<keyId>.<nonce>.<ciphertext+tag>`, the last two in base64url.
 *
 * @param aad The identity of the place the value is stored, such as
 *   `connections:<id>:credentials`; {@link open} must be given the same, so a sealed value copied
 *   to another row does not open.
 */
export function seal(ring: KeyRing, plaintext: string, aad: string): string {
  const key = keysOf(ring).get(ring.primaryKeyId)!
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const body = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ])
  const encoded = [nonce, body].map((bytes) => bytes.toString('base64url'))
  return [FORMAT, ring.primaryKeyId, ...encoded].join('.')
}

/**
 * Decrypts a value made by {@link seal} with any key of the ring.
 *
 * @throws PatchbayError `internal` when the value is malformed, its key id is not in the ring, or
 *   authentication fails (wrong key, wrong `aad`, tampered data). The message names the key id
 *   only, never the plaintext or the key.
 */
export function open(ring: KeyRing, sealed: string, aad: string): string {
  const keys = keysOf(ring)
  const parts = sealed.split('.')
  const [format, keyId, nonceText, bodyText] = parts
  if (
    parts.length !== 4 ||
    format !== FORMAT ||
    !BASE64URL.test(nonceText!) ||
    !BASE64URL.test(bodyText!)
  ) {
    throw new PatchbayError('internal', 'cannot open sealed value: not in the pb1 format')
  }
  const key = keys.get(keyId!)
  if (!key) {
    throw new PatchbayError(
      'internal',
      `cannot open sealed value: key id "${keyId}" is not in the key ring`,
      { details: { keyId: keyId! } },
    )
  }
  const nonce = Buffer.from(nonceText!, 'base64url')
  const body = Buffer.from(bodyText!, 'base64url')
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
    throw new PatchbayError('internal', 'cannot open sealed value: truncated nonce or tag')
  }
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES })
  decipher.setAAD(Buffer.from(aad, 'utf8'))
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
  try {
    const plain = Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ])
    return plain.toString('utf8')
  } catch (cause) {
    throw new PatchbayError(
      'internal',
      `cannot open sealed value with key "${keyId}": wrong key, wrong row, or tampered data`,
      { cause, details: { keyId: keyId! } },
    )
  }
}

/**
 * Reads a key ring from its text form, as found in `PATCHBAY_ENCRYPTION_KEY`: either one base64
 * or base64url key of 32 bytes (its id is `k1`), or `id:key,id:key,...` with the primary first.
 *
 * @example
 * parseKeyRing('k2:' + newKey + ',k1:' + oldKey) // seals with k2, still opens k1's values
 * @throws TypeError naming the entry's position or id, never echoing key material.
 */
export function parseKeyRing(envValue: string): KeyRing {
  const text = envValue.trim()
  if (text === '') throw new TypeError('the encryption key is empty')
  if (!text.includes(':') && !text.includes(',')) {
    return createKeyRing([{ id: 'k1', key: decodeKey(text, 'the encryption key') }])
  }
  const entries = text.split(',').map((part, index) => {
    const item = part.trim()
    const colon = item.indexOf(':')
    if (colon <= 0) {
      // The entry may be a bare key, so it is named by position rather than shown.
      throw new TypeError(
        `key ring entry ${index + 1} must look like id:base64key (for example k1:...)`,
      )
    }
    const id = item.slice(0, colon).trim()
    if (!KEY_ID.test(id)) {
      throw new TypeError(
        `key ring entry ${index + 1} has an id that is not 1-64 characters of A-Z a-z 0-9 _ -`,
      )
    }
    return { id, key: decodeKey(item.slice(colon + 1).trim(), `key "${id}"`) }
  })
  return createKeyRing(entries)
}

function decodeKey(text: string, name: string): Buffer {
  if (!BASE64_ANY.test(text)) {
    throw new TypeError(
      `${name} is not base64 or base64url (generate one with: openssl rand -base64 32)`,
    )
  }
  // Node's base64 decoder accepts both the standard and the URL-safe alphabet.
  const key = Buffer.from(text, 'base64')
  if (key.length !== KEY_BYTES) {
    throw new TypeError(
      `${name} decodes to ${key.length} bytes, expected ${KEY_BYTES} ` +
        '(generate one with: openssl rand -base64 32)',
    )
  }
  return key
}
