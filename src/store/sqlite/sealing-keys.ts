import type Database from 'better-sqlite3'
import { open, relabelLegacy, seal, sealedKeyRef } from '../seal.js'
import type { KeyRing } from '../seal.js'
import { SEALED_COLUMNS, assertKeyRefsConfigured } from '../sealed-columns.js'
import type { SealedColumn } from '../sealed-columns.js'
import type { ResealReport } from '../types.js'

/** SQL for a sealed value's `<format>.<key id>` prefix, e.g. `pb2.Xq3…`. */
function keyRefSql(value: string): string {
  return `substr(${value}, 1, instr(substr(${value}, 5), '.') + 3)`
}

/**
 * Triggers that keep `sealing_key_uses` counting, per key, the values of one sealed column, so
 * the start-up check reads a handful of rows instead of scanning (or decrypting) every table.
 */
export function keyUseTriggers(table: string, column: string): string {
  const ref = (row: 'NEW' | 'OLD') => keyRefSql(`${row}.${column}`)
  // Not INSERT OR IGNORE: a trigger takes the conflict policy of the statement that fired it, and
  // an upsert's would turn the ignored conflict into an error.
  const add = (row: 'NEW' | 'OLD') => `
    INSERT INTO sealing_key_uses (key_ref, uses)
      SELECT ${ref(row)}, 0 WHERE ${row}.${column} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM sealing_key_uses WHERE key_ref = ${ref(row)});
    UPDATE sealing_key_uses SET uses = uses + 1 WHERE key_ref = ${ref(row)};`
  const remove = (row: 'NEW' | 'OLD') => `
    UPDATE sealing_key_uses SET uses = uses - 1 WHERE key_ref = ${ref(row)};
    DELETE FROM sealing_key_uses WHERE key_ref = ${ref(row)} AND uses <= 0;`
  const name = `${table}_${column}_key_use`
  return `
    CREATE TRIGGER ${name}_insert AFTER INSERT ON ${table} BEGIN ${add('NEW')}
    END;
    CREATE TRIGGER ${name}_update AFTER UPDATE OF ${column} ON ${table} BEGIN ${remove('OLD')}${add('NEW')}
    END;
    CREATE TRIGGER ${name}_delete AFTER DELETE ON ${table} BEGIN ${remove('OLD')}
    END;`
}

/** The migration's SQL: the counting table, its triggers, and the counts of existing values. */
export function sealingKeyUsesSql(): string {
  const existing = SEALED_COLUMNS.map(
    ({ table, column }) =>
      `SELECT ${keyRefSql(column)} AS key_ref FROM ${table} WHERE ${column} IS NOT NULL`,
  ).join('\n        UNION ALL ')
  return `
    CREATE TABLE sealing_key_uses (
      key_ref TEXT NOT NULL PRIMARY KEY,
      uses INTEGER NOT NULL
    ) WITHOUT ROWID;
    ${SEALED_COLUMNS.map(({ table, column }) => keyUseTriggers(table, column)).join('\n')}
    INSERT INTO sealing_key_uses (key_ref, uses)
      SELECT key_ref, count(*) FROM (
        ${existing}
      ) GROUP BY key_ref;`
}

/** The key references in use: `pb2.<fingerprint>` or, from before fingerprints, `pb1.<label>`. */
function keyRefsInUse(db: Database.Database): string[] {
  return db
    .prepare<[], { key_ref: string }>('SELECT key_ref FROM sealing_key_uses WHERE uses > 0')
    .all()
    .map((row) => row.key_ref)
}

/**
 * Renames values sealed before key fingerprints (`pb1.<label>.…`) to the fingerprint of the
 * ring's key with that label, once that key has opened one of the label's values. Values of a
 * label whose key opens none are left as they are: {@link assertSealingKeysConfigured} then
 * refuses the database. Costs nothing when no such value is left.
 */
export function upgradeLegacyKeyIds(db: Database.Database, ring: KeyRing): void {
  if (!keyRefsInUse(db).some((ref) => ref.startsWith('pb1.'))) return
  const upgrade = db.transaction(() => {
    const pending: { column: SealedColumn; rowKey: string; sealed: string; label: string }[] = []
    const proven = new Set<string>()
    for (const column of SEALED_COLUMNS) {
      const rows = db
        .prepare<[], { row_key: string; sealed: string }>(
          `SELECT ${column.rowKey} AS row_key, ${column.column} AS sealed FROM ${column.table}
           WHERE ${column.column} LIKE 'pb1.%'`,
        )
        .all()
      const update = db.prepare<[string, string]>(
        `UPDATE ${column.table} SET ${column.column} = ? WHERE ${column.rowKey} = ?`,
      )
      for (const row of rows) {
        const label = sealedKeyRef(row.sealed)?.keyId ?? ''
        const renamed = relabelLegacy(ring, row.sealed, column.aad(row.row_key))
        if (renamed === null) {
          pending.push({ column, rowKey: row.row_key, sealed: row.sealed, label })
        } else {
          update.run(renamed, row.row_key)
          proven.add(label)
        }
      }
    }
    // A label's key that opened some values is the key that sealed that label's values; the ones
    // it does not open are damaged, and are listed as unreadable rather than blocking the start.
    for (const { column, rowKey, sealed, label } of pending) {
      if (!proven.has(label)) continue
      const renamed = relabelLegacy(ring, sealed)
      if (renamed === null) continue
      db.prepare<[string, string]>(
        `UPDATE ${column.table} SET ${column.column} = ? WHERE ${column.rowKey} = ?`,
      ).run(renamed, rowKey)
    }
  })
  upgrade.immediate()
}

/**
 * Refuses a database holding values sealed by a key the ring does not have (see
 * {@link assertKeyRefsConfigured}).
 */
export function assertSealingKeysConfigured(db: Database.Database, ring: KeyRing): void {
  assertKeyRefsConfigured(keyRefsInUse(db), ring)
}

/**
 * Seals every value of every sealed column again with the ring's primary key, in one
 * transaction. A value that does not open is left as it is and named in the report, so the
 * operator can reconnect or delete it before dropping its key.
 */
export function resealSecrets(db: Database.Database, ring: KeyRing): ResealReport {
  const current = `pb2.${ring.primaryKeyId}.`
  const reseal = db.transaction(() => {
    let resealed = 0
    const unreadable: string[] = []
    for (const column of SEALED_COLUMNS) {
      const rows = db
        .prepare<[number, string], { row_key: string; sealed: string }>(
          `SELECT ${column.rowKey} AS row_key, ${column.column} AS sealed FROM ${column.table}
           WHERE ${column.column} IS NOT NULL AND substr(${column.column}, 1, ?) <> ?`,
        )
        .all(current.length, current)
      const update = db.prepare<[string, string]>(
        `UPDATE ${column.table} SET ${column.column} = ? WHERE ${column.rowKey} = ?`,
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
        update.run(seal(ring, plaintext, aad), row.row_key)
        resealed += 1
      }
    }
    return { resealed, unreadable }
  })
  const { resealed, unreadable } = reseal.immediate()
  const keyIdsInUse = keyRefsInUse(db).map((ref) => sealedKeyRef(ref)?.keyId ?? ref)
  return { primaryKeyId: ring.primaryKeyId, resealed, unreadable, keyIdsInUse }
}
