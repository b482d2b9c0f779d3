import type { SealingKeys } from '../../store/index.js'

/** One encryption key: of the ring, or named by stored values. */
export interface EncryptionKeyUse {
  /** The key's fingerprint (or, for values sealed before fingerprints, their label). */
  keyId: string
  /** Its label in `PATCHBAY_ENCRYPTION_KEY` (`new`, `old`, `k1`…), when it has one. */
  label: string | null
  /** Whether it is the first key of the ring, the one that seals new values. */
  primary: boolean
  /** Whether `PATCHBAY_ENCRYPTION_KEY` holds it. */
  inRing: boolean
  /** How many stored secrets it seals. */
  values: number
}

/** Which keys seal the stored secrets, and whether the older ones can leave the ring. */
export interface EncryptionKeyStatus {
  /** The fingerprint of the key that seals new values. */
  primaryKeyId: string
  /** The ring's keys, primary first, with their counts; then any key values name that it lacks. */
  keys: EncryptionKeyUse[]
  /** How many secrets are sealed by a key other than the primary. */
  valuesUnderOtherKeys: number
  /**
   * True when no secret needs a key other than the primary: every other key can be removed from
   * `PATCHBAY_ENCRYPTION_KEY`.
   */
  otherKeysRemovable: boolean
  /** The ring's keys besides the primary that seal nothing: removable now. */
  removableKeyIds: string[]
  /** What to do next, in one sentence or two. */
  advice: string
}

function named(key: EncryptionKeyUse): string {
  return key.label === null ? `"${key.keyId}"` : `"${key.keyId}" (${key.label})`
}

function list(keys: readonly EncryptionKeyUse[]): string {
  return keys.map(named).join(', ')
}

/** Reads the store's key counts as a status, with the advice an operator needs. */
export function encryptionKeyStatus(sealing: SealingKeys): EncryptionKeyStatus {
  const counts = new Map(sealing.uses.map((use) => [use.keyId, use.values]))
  const keys: EncryptionKeyUse[] = sealing.ring.map((key) => ({
    keyId: key.keyId,
    label: key.label,
    primary: key.keyId === sealing.primaryKeyId,
    inRing: true,
    values: counts.get(key.keyId) ?? 0,
  }))
  for (const use of sealing.uses) {
    if (use.format === 'pb2' && sealing.ring.some((key) => key.keyId === use.keyId)) continue
    keys.push({ keyId: use.keyId, label: null, primary: false, inRing: false, values: use.values })
  }
  const primary = keys[0]!
  const others = keys.filter((key) => !key.primary)
  const stillUsed = others.filter((key) => key.values > 0)
  const removable = others.filter((key) => key.inRing && key.values === 0)
  const valuesUnderOtherKeys = stillUsed.reduce((sum, key) => sum + key.values, 0)
  let advice: string
  if (stillUsed.length > 0) {
    advice =
      `${valuesUnderOtherKeys} stored secret(s) still need ${list(stillUsed)}: keep ` +
      `${stillUsed.length === 1 ? 'it' : 'them'} in PATCHBAY_ENCRYPTION_KEY and run ` +
      '`patchbay encryption-keys rotate`.'
  } else if (removable.length > 0) {
    advice =
      `Every stored secret is sealed with ${named(primary)}: ${list(removable)} can be removed ` +
      'from PATCHBAY_ENCRYPTION_KEY (on every instance, then restart them).'
  } else {
    advice =
      `PATCHBAY_ENCRYPTION_KEY holds one key, ${named(primary)}, which seals every stored ` +
      'secret. To rotate, put a new key first and keep this one: new:<new key>,old:<this key>.'
  }
  return {
    primaryKeyId: sealing.primaryKeyId,
    keys,
    valuesUnderOtherKeys,
    otherKeysRemovable: stillUsed.length === 0,
    removableKeyIds: removable.map((key) => key.keyId),
    advice,
  }
}

/** A status as the CLI and JSON show it (snake_case). Holds no key material and no secret. */
export function encryptionKeyStatusView(status: EncryptionKeyStatus) {
  return {
    primary_key_id: status.primaryKeyId,
    keys: status.keys.map((key) => ({
      key_id: key.keyId,
      label: key.label,
      primary: key.primary,
      in_ring: key.inRing,
      values: key.values,
    })),
    values_under_other_keys: status.valuesUnderOtherKeys,
    old_keys_removable: status.otherKeysRemovable,
    removable_key_ids: status.removableKeyIds,
    key_ids_in_use: status.keys.filter((key) => key.values > 0).map((key) => key.keyId),
    advice: status.advice,
  }
}
