import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { PatchbayError } from '../errors.js'

/**
 * A set of AES-256 keys. The primary key seals new values; every key opens. Each key is known by
 * its fingerprint ({@link keyFingerprint}), so two different keys never share an id. The key
 * bytes are kept out of the object itself, so logging or serializing a ring shows only the ids.
 */
export interface KeyRing {
  /** The fingerprint of the key that seals new values. */
  readonly primaryKeyId: string
  /** The fingerprints of every key, primary first. */
  readonly keyIds: readonly string[]
}

/** One key of a ring, as given to {@link createKeyRing}. */
export interface KeyRingEntry {
  /**
   * The label the key had in `PATCHBAY_ENCRYPTION_KEY` (`k1` for a lone key). Values sealed
   * before fingerprints (`pb1.<label>.…`) name their key by this label; new values never do.
   */
  id?: string
  key: Buffer
}

/** Why a sealed value did not open, in {@link open}'s error `details.reason`. */
export type UnopenedReason = 'malformed' | 'key_missing' | 'unauthentic'

/** Values sealed since key fingerprints: `pb2.<fingerprint>.<nonce>.<ciphertext+tag>`. */
const FORMAT = 'pb2'
/** Values sealed before: `pb1.<label>.…`, where a label such as `k1` may name any key. */
const LEGACY_FORMAT = 'pb1'
const ALGORITHM = 'aes-256-gcm'
const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16
const FINGERPRINT_BYTES = 12
const FINGERPRINT_CONTEXT = 'patchbay key id'
// A label is one field of the dot-separated sealed format, so it may not contain a dot.
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/
const BASE64URL = /^[A-Za-z0-9_-]*$/
const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/

interface RingKeys {
  byFingerprint: ReadonlyMap<string, Buffer>
  byLabel: ReadonlyMap<string, Buffer>
}

const ringKeys = new WeakMap<KeyRing, RingKeys>()

/**
 * The id of a key: the first 96 bits of HMAC-SHA256(key, "patchbay key id"), base64url (16
 * characters). It names the key without revealing anything about it, and two keys collide only
 * by chance (2^-96), so a value's id says which key sealed it.
 *
 * @example
 * keyFingerprint(Buffer.from(process.env.PATCHBAY_ENCRYPTION_KEY!, 'base64')) // 'Xq3…'
 */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key)
    .update(FINGERPRINT_CONTEXT)
    .digest()
    .subarray(0, FINGERPRINT_BYTES)
    .toString('base64url')
}

/**
 * Builds a key ring. The first entry is the primary key, used by {@link seal}; all entries can
 * {@link open}. Keys are copied, so the caller may wipe its buffers afterwards.
 *
 * @throws TypeError when the list is empty, a label is malformed or repeated, a key appears
 *   twice, or a key is not 32 bytes.
 */
export function createKeyRing(keys: readonly KeyRingEntry[]): KeyRing {
  if (keys.length === 0) throw new TypeError('a key ring needs at least one key')
  const byFingerprint = new Map<string, Buffer>()
  const byLabel = new Map<string, Buffer>()
  keys.forEach(({ id, key }, index) => {
    const name = id === undefined ? `key ${index + 1}` : `key "${id}"`
    if (id !== undefined) {
      if (!KEY_ID.test(id)) {
        throw new TypeError(
          `key id ${JSON.stringify(id)} must be 1-64 characters of A-Z a-z 0-9 _ -`,
        )
      }
      if (byLabel.has(id)) throw new TypeError(`key id "${id}" appears twice in the key ring`)
    }
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      const got = Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key
      throw new TypeError(`${name} must be ${KEY_BYTES} bytes, got ${got}`)
    }
    const copy = Buffer.from(key)
    const fingerprint = keyFingerprint(copy)
    if (byFingerprint.has(fingerprint)) {
      throw new TypeError(`${name} appears twice in the key ring (fingerprint ${fingerprint})`)
    }
    byFingerprint.set(fingerprint, copy)
    if (id !== undefined) byLabel.set(id, copy)
  })
  const ids = [...byFingerprint.keys()]
  const ring: KeyRing = Object.freeze({ primaryKeyId: ids[0]!, keyIds: Object.freeze(ids) })
  ringKeys.set(ring, { byFingerprint, byLabel })
  return ring
}

function keysOf(ring: KeyRing): RingKeys {
  const keys = ringKeys.get(ring)
  if (!keys) throw new TypeError('not a key ring made by createKeyRing')
  return keys
}

/**
 * The fingerprint of the ring's key carrying a pre-fingerprint label (`k1`), or null when no key
 * has it. Used to rename values sealed before fingerprints.
 */
export function fingerprintOfLabel(ring: KeyRing, label: string): string | null {
  const key = keysOf(ring).byLabel.get(label)
  return key ? keyFingerprint(key) : null
}

/**
 * The label (`PATCHBAY_ENCRYPTION_KEY`'s `new`, `old`, or `k1` for a lone key) of the ring's key
 * with this fingerprint, or null when it has none or the ring lacks the key. Reports use it so an
 * operator can tell which entry of the variable a fingerprint is.
 */
export function labelOfKey(ring: KeyRing, keyId: string): string | null {
  const keys = keysOf(ring)
  const key = keys.byFingerprint.get(keyId)
  if (!key) return null
  for (const [label, labelled] of keys.byLabel) if (labelled === key) return label
  return null
}

/** Where a sealed value says its key is: the format and the key id, or null when malformed. */
export function sealedKeyRef(sealed: string): { format: 'pb1' | 'pb2'; keyId: string } | null {
  const [format, keyId] = sealed.split('.', 2)
  if ((format !== FORMAT && format !== LEGACY_FORMAT) || !keyId) return null
  return { format, keyId }
}

/**
 * What can be told about a sealed value without decrypting it: `malformed` when it is not in a
 * sealed format, `key_missing` when the ring lacks the key it names, else null (it may still fail
 * to open if damaged, which only decrypting shows). Lists use it to flag rows they do not open.
 */
export function sealedValueProblem(
  ring: KeyRing,
  sealed: string,
): { reason: 'malformed' | 'key_missing'; keyId?: string } | null {
  const ref = sealedKeyRef(sealed)
  if (ref === null) return { reason: 'malformed' }
  const keys = keysOf(ring)
  const key = (ref.format === FORMAT ? keys.byFingerprint : keys.byLabel).get(ref.keyId)
  return key ? null : { reason: 'key_missing', keyId: ref.keyId }
}

/**
 * Encrypts `plaintext` with the ring's primary key (AES-256-GCM, a fresh random 96-bit nonce per
 * call) and returns `pb2.<keyFingerprint>.<nonce>.<ciphertext+tag>`, the last two in base64url.
 *
 * @param aad The identity of the place the value is stored, such as
 *   `connections:<id>:credentials`; {@link open} must be given the same, so a sealed value copied
 *   to another row does not open.
 */
export function seal(ring: KeyRing, plaintext: string, aad: string): string {
  const key = keysOf(ring).byFingerprint.get(ring.primaryKeyId)!
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

function unopened(reason: UnopenedReason, message: string, keyId?: string, cause?: unknown) {
  return new PatchbayError('internal', `cannot open sealed value: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: keyId === undefined ? { reason } : { reason, key_id: keyId },
  })
}

/**
 * Decrypts a value made by {@link seal} with the ring's key of the value's fingerprint. Values
 * sealed before fingerprints (`pb1.<label>.…`) open with the key of that label.
 *
 * @throws PatchbayError `internal` when the value is malformed, its key is not in the ring, or
 *   authentication fails (wrong key, wrong `aad`, tampered data); `details.reason` says which
 *   ({@link UnopenedReason}) and `details.key_id` names the key. The message names the key id
 *   only, never the plaintext or the key.
 */
export function open(ring: KeyRing, sealed: string, aad: string): string {
  const keys = keysOf(ring)
  const parts = sealed.split('.')
  const [format, keyId, nonceText, bodyText] = parts
  if (
    parts.length !== 4 ||
    (format !== FORMAT && format !== LEGACY_FORMAT) ||
    !BASE64URL.test(nonceText!) ||
    !BASE64URL.test(bodyText!)
  ) {
    throw unopened('malformed', 'not in the pb2 or pb1 format')
  }
  const key = (format === FORMAT ? keys.byFingerprint : keys.byLabel).get(keyId!)
  if (!key) {
    const what = format === FORMAT ? `key "${keyId}"` : `key id "${keyId}" (from before fingerprints)`
    throw unopened('key_missing', `${what} is not in the key ring`, keyId)
  }
  const nonce = Buffer.from(nonceText!, 'base64url')
  const body = Buffer.from(bodyText!, 'base64url')
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
    throw unopened('malformed', 'truncated nonce or tag', keyId)
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
    throw unopened(
      'unauthentic',
      `key "${keyId}" does not open it: wrong key, wrong row, or tampered data`,
      keyId,
      cause,
    )
  }
}

/**
 * Renames a value sealed before fingerprints (`pb1.<label>.…`) to the fingerprint form of the
 * ring's key with that label. The nonce and ciphertext are kept: the key id is not part of the
 * associated data, so nothing is decrypted and re-encrypted.
 *
 * @param aad When given, the key must first prove it opens the value (with this row identity);
 *   left out, the value is renamed unchecked (for values of a label whose key opened others).
 * @returns the renamed value, or null when the ring has no such label or the check fails.
 */
export function relabelLegacy(ring: KeyRing, sealed: string, aad?: string): string | null {
  const ref = sealedKeyRef(sealed)
  if (ref?.format !== LEGACY_FORMAT) return null
  const fingerprint = fingerprintOfLabel(ring, ref.keyId)
  if (fingerprint === null) return null
  if (aad !== undefined) {
    try {
      open(ring, sealed, aad)
    } catch {
      return null
    }
  }
  return [FORMAT, fingerprint, ...sealed.split('.').slice(2)].join('.')
}

/**
 * Reads a key ring from its text form, as found in `PATCHBAY_ENCRYPTION_KEY`: either one base64
 * or base64url key of 32 bytes (labelled `k1`), or `id:key,id:key,...` with the primary first.
 * Keys are known by their fingerprints; the labels only name keys for values sealed before
 * fingerprints.
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
