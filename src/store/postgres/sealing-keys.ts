import { SEALED_COLUMNS, assertKeyRefsConfigured } from '../sealed-columns.js'
import type { SealedColumn } from '../sealed-columns.js'
import { open, relabelLegacy, seal, sealedKeyRef } from '../seal.js'
import type { KeyRing } from '../seal.js'
import type { ResealReport } from '../types.js'
import type { Database, Queryable } from './database.js'

/** The key references in use: `pb2.<fingerprint>` or, from before fingerprints, `pb1.<label>`. */
async function keyRefsInUse(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ key_ref: string }>(
    'SELECT key_ref FROM sealing_key_uses WHERE uses > 0 ORDER BY key_ref',
  )
  return rows.map((row) => row.key_ref)
}

async function rewrite(tx: Queryable, column: SealedColumn, rowKey: string, value: string) {
  await tx.run(`UPDATE ${column.table} SET ${column.column} = $1 WHERE ${column.rowKey} = $2`, [
    value,
    rowKey,
  ])
}

/**
 * Renames values sealed before key fingerprints (`pb1.<label>.…`) to the fingerprint of the
 * ring's key with that label, as the SQLite store does (see its `upgradeLegacyKeyIds`). Costs one
 * small read when no such value is left.
 */
export async function upgradeLegacyKeyIds(db: Database, ring: KeyRing): Promise<void> {
  if (!(await keyRefsInUse(db)).some((ref) => ref.startsWith('pb1.'))) return
  await db.transaction(async (tx) => {
    const pending: { column: SealedColumn; rowKey: string; sealed: string; label: string }[] = []
    const proven = new Set<string>()
    for (const column of SEALED_COLUMNS) {
      const rows = await tx.query<{ row_key: string; sealed: string }>(
        `SELECT ${column.rowKey} AS row_key, ${column.column} AS sealed FROM ${column.table}
         WHERE ${column.column} LIKE 'pb1.%' FOR UPDATE`,
      )
      for (const row of rows) {
        const label = sealedKeyRef(row.sealed)?.keyId ?? ''
        const renamed = relabelLegacy(ring, row.sealed, column.aad(row.row_key))
        if (renamed === null) {
          pending.push({ column, rowKey: row.row_key, sealed: row.sealed, label })
        } else {
          await rewrite(tx, column, row.row_key, renamed)
          proven.add(label)
        }
      }
    }
    for (const { column, rowKey, sealed, label } of pending) {
      if (!proven.has(label)) continue
      const renamed = relabelLegacy(ring, sealed)
      if (renamed !== null) await rewrite(tx, column, rowKey, renamed)
    }
  })
}

/**
 * Refuses a database holding values sealed by a key the ring does not have.
 * @throws PatchbayError `invalid_config` naming `PATCHBAY_ENCRYPTION_KEY` and the missing keys
 */
export async function assertSealingKeysConfigured(db: Database, ring: KeyRing): Promise<void> {
  assertKeyRefsConfigured(await keyRefsInUse(db), ring)
}

/**
 * Seals every value of every sealed column again with the ring's primary key, in one
 * transaction; the rows are locked as they are read, so a concurrent write waits rather than
 * being overwritten with an older value. Values that do not open are left and named.
 */
export async function resealSecrets(db: Database, ring: KeyRing): Promise<ResealReport> {
  const current = `pb2.${ring.primaryKeyId}.`
  const { resealed, unreadable } = await db.transaction(async (tx) => {
    let resealed = 0
    const unreadable: string[] = []
    for (const column of SEALED_COLUMNS) {
      const rows = await tx.query<{ row_key: string; sealed: string }>(
        `SELECT ${column.rowKey} AS row_key, ${column.column} AS sealed FROM ${column.table}
         WHERE ${column.column} IS NOT NULL AND left(${column.column}, $1) <> $2
         ORDER BY ${column.rowKey} FOR UPDATE`,
        [current.length, current],
      )
      for (const row of rows) {
        const aad = column.aad(row.row_key)
        let plaintext: string
        try {
          plaintext = open(ring, row.sealed, aad)
        } catch {
          unreadable.push(`${column.table}:${row.row_key}:${column.column}`)
          continue
        }
        await rewrite(tx, column, row.row_key, seal(ring, plaintext, aad))
        resealed += 1
      }
    }
    return { resealed, unreadable }
  })
  const keyIdsInUse = (await keyRefsInUse(db)).map((ref) => sealedKeyRef(ref)?.keyId ?? ref)
  return { primaryKeyId: ring.primaryKeyId, resealed, unreadable, keyIdsInUse }
}
