import { PatchbayError } from '../errors.js'
import { labelOfKey, open, seal, sealedKeyRef } from './seal.js'
import type { KeyRing } from './seal.js'
import type { SealingKeys } from './types.js'

/** A column holding sealed values, with the row identity its values are sealed for. */
export interface SealedColumn {
  table: string
  /** The column that identifies a row, part of the associated data. */
  rowKey: string
  column: string
  aad: (rowKey: string) => string
}

/**
 * Every sealed column, with the associated data each store seals it for. A new sealed
 * column belongs here and gets key-use triggers in its migration (SQLite and PostgreSQL), or the
 * start-up check cannot see the keys its values need.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    table: 'integrations',
    rowKey: 'id',
    column: 'client_secret_sealed',
    aad: (id) => `integrations:${id}:client_secret`,
  },
  {
    table: 'integrations',
    rowKey: 'id',
    column: 'webhook_secret_sealed',
    aad: (id) => `integrations:${id}:webhook_secret`,
  },
  {
    table: 'connections',
    rowKey: 'id',
    column: 'credentials_sealed',
    aad: (id) => `connections:${id}:credentials`,
  },
  {
    table: 'auth_sessions',
    rowKey: 'state_hash',
    column: 'data_sealed',
    aad: (stateHash) => `auth_sessions:${stateHash}:data`,
  },
  {
    table: 'webhook_endpoints',
    rowKey: 'id',
    column: 'secret_sealed',
    aad: (id) => `webhook_endpoints:${id}:secret`,
  },
]

/**
 * Refuses a database holding values sealed by a key the ring does not have, given the key
 * references its values use (`pb2.<fingerprint>`, `pb1.<label>`): such values could
 * never be read, and starting anyway would turn every use of them into a failure at run time.
 *
 * @throws PatchbayError `invalid_config` naming `PATCHBAY_ENCRYPTION_KEY` and each missing key's
 *   fingerprint (or, for values from before fingerprints, the label they name), on one line.
 */
export function assertKeyRefsConfigured(keyRefsInUse: readonly string[], ring: KeyRing): void {
  const missing: string[] = []
  const missingLabels: string[] = []
  for (const text of keyRefsInUse) {
    const ref = sealedKeyRef(text)
    // A damaged value may have lost its key id; it shows up as an unreadable row instead.
    if (ref === null) continue
    if (ref.format === 'pb2' && !ring.keyIds.includes(ref.keyId)) missing.push(ref.keyId)
    if (ref.format === 'pb1') missingLabels.push(ref.keyId)
  }
  if (missing.length === 0 && missingLabels.length === 0) return
  const named = [
    ...missing.map((id) => `"${id}"`),
    ...missingLabels.map((label) => `labelled "${label}" (sealed before key fingerprints)`),
  ]
  const keys = named.length === 1 ? `key ${named[0]}` : `keys ${named.join(', ')}`
  throw new PatchbayError(
    'invalid_config',
    `the database holds values sealed by encryption ${keys}, which PATCHBAY_ENCRYPTION_KEY ` +
      'does not hold: add the key to PATCHBAY_ENCRYPTION_KEY (new:<key>,old:<key>, new first) ' +
      'or use another database',
    { details: { missing_key_ids: missing, missing_key_labels: missingLabels } },
  )
}

/** How a report names a sealed value: `<table>:<row key>:<column>`, never its content. */
export function placeOf(column: SealedColumn, rowKey: string): string {
  return `${column.table}:${rowKey}:${column.column}`
}

/**
 * The sealed column at a position of {@link SEALED_COLUMNS}, as a rotation's cursor and items
 * carry it.
 * @throws TypeError for a position no column has (an item not made by this store)
 */
export function sealedColumnAt(index: number): SealedColumn {
  const column = SEALED_COLUMNS[index]
  if (!Number.isInteger(index) || column === undefined) {
    throw new TypeError(`no sealed column at position ${String(index)}`)
  }
  return column
}

/**
 * The ring's keys and the counts of `sealing_key_uses` (`pb2.<fingerprint>` or `pb1.<label>`
 * with its count), as {@link SealingKeys}: both stores read the same table.
 */
export function describeSealingKeys(
  ring: KeyRing,
  counts: readonly { key_ref: string; uses: number }[],
): SealingKeys {
  return {
    primaryKeyId: ring.primaryKeyId,
    ring: ring.keyIds.map((keyId) => ({ keyId, label: labelOfKey(ring, keyId) })),
    uses: counts
      .filter((count) => count.uses > 0)
      .map((count) => {
        const ref = sealedKeyRef(count.key_ref)
        return {
          keyId: ref?.keyId ?? count.key_ref,
          format: ref?.format ?? 'pb2',
          values: Number(count.uses),
        }
      }),
  }
}

/** @throws TypeError unless a rotation batch's `limit` is a whole number of at least 1 */
export function assertBatchLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new TypeError(`a reseal batch takes at least 1 value, got ${String(limit)}`)
  }
}

/**
 * A value sealed again with the ring's primary key for the same row, or null when it does not
 * open (damaged, or sealed for another row). The plaintext never leaves this function.
 */
export function resealValue(
  ring: KeyRing,
  column: SealedColumn,
  rowKey: string,
  sealed: string,
): string | null {
  const aad = column.aad(rowKey)
  let plaintext: string
  try {
    plaintext = open(ring, sealed, aad)
  } catch {
    return null
  }
  return seal(ring, plaintext, aad)
}
