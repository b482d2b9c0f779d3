import type Database from 'better-sqlite3'
import { relabelLegacy, sealedKeyRef } from '../seal.js'
import type { KeyRing } from '../seal.js'
import {
  SEALED_COLUMNS,
  assertBatchLimit,
  assertKeyRefsConfigured,
  describeSealingKeys,
  placeOf,
  resealValue,
  sealedColumnAt,
} from '../sealed-columns.js'
import type { SealedColumn } from '../sealed-columns.js'
import type { ResealBatch, ResealCursor, ResealItem, ResealWrite, SealingKeys } from '../types.js'

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

/** The ring's keys and how many values each seals, from the counting table. */
export function sealingKeys(db: Database.Database, ring: KeyRing): SealingKeys {
  const counts = db
    .prepare<[], { key_ref: string; uses: number }>(
      'SELECT key_ref, uses FROM sealing_key_uses WHERE uses > 0 ORDER BY key_ref',
    )
    .all()
  return describeSealingKeys(ring, counts)
}

/**
 * Reads up to `limit` values not sealed with the primary key, in column order and row key order
 * within a column, and seals each again in memory (see `EncryptionKeyStore.readResealBatch`).
 * Reads take no lock: the write checks each value again.
 */
export function readResealBatch(
  db: Database.Database,
  ring: KeyRing,
  from: ResealCursor | null,
  limit: number,
): ResealBatch {
  assertBatchLimit(limit)
  const current = `pb2.${ring.primaryKeyId}.`
  const items: ResealItem[] = []
  const unreadable: string[] = []
  let index = from?.column ?? 0
  let after = from?.after ?? null
  while (index < SEALED_COLUMNS.length && items.length + unreadable.length < limit) {
    const column = sealedColumnAt(index)
    const wanted = limit - items.length - unreadable.length
    // Row key order, from the last key passed: the scan costs one pass over each table however
    // many batches it takes, and a value that does not open is passed once, not read forever.
    // `key > ?` only when there is a key: `(? IS NULL OR key > ?)` is no range of the index.
    const rows = db
      .prepare<unknown[], { row_key: string; sealed: string }>(
        `SELECT ${column.rowKey} AS row_key, ${column.column} AS sealed FROM ${column.table}
         WHERE ${column.column} IS NOT NULL AND substr(${column.column}, 1, ?) <> ?
           ${after === null ? '' : `AND ${column.rowKey} > ?`}
         ORDER BY ${column.rowKey} LIMIT ?`,
      )
      .all(...(after === null ? [current.length, current, wanted] : [current.length, current, after, wanted]))
    for (const row of rows) {
      after = row.row_key
      const resealed = resealValue(ring, column, row.row_key, row.sealed)
      if (resealed === null) unreadable.push(placeOf(column, row.row_key))
      else items.push({ place: placeOf(column, row.row_key), column: index, rowKey: row.row_key, sealed: row.sealed, resealed })
    }
    if (rows.length < wanted) {
      index += 1
      after = null
    }
  }
  return { items, unreadable, next: index < SEALED_COLUMNS.length ? { column: index, after } : null }
}

function columnStatements(db: Database.Database, column: SealedColumn) {
  return {
    update: db.prepare<[string, string, string]>(
      `UPDATE ${column.table} SET ${column.column} = ?
       WHERE ${column.rowKey} = ? AND ${column.column} = ?`,
    ),
    select: db.prepare<[string], { sealed: string | null }>(
      `SELECT ${column.column} AS sealed FROM ${column.table} WHERE ${column.rowKey} = ?`,
    ),
  }
}

/**
 * Writes a batch in one IMMEDIATE transaction, each value only where the row still holds the
 * value read. A row another process wrote since (a refresh, say) is read again inside the
 * transaction, whose write lock no other writer can take before the commit, and resealed from
 * its current value, unless that is already sealed with the primary key or the row is gone.
 */
export function writeResealBatch(
  db: Database.Database,
  ring: KeyRing,
  items: readonly ResealItem[],
): ResealWrite {
  const current = `pb2.${ring.primaryKeyId}.`
  const statements = new Map<number, ReturnType<typeof columnStatements>>()
  const statementsOf = (index: number) => {
    let found = statements.get(index)
    if (!found) statements.set(index, (found = columnStatements(db, sealedColumnAt(index))))
    return found
  }
  const write = db.transaction(() => {
    let resealed = 0
    let retried = 0
    const unreadable: string[] = []
    for (const item of items) {
      const column = sealedColumnAt(item.column)
      const { update, select } = statementsOf(item.column)
      if (update.run(item.resealed, item.rowKey, item.sealed).changes === 1) {
        resealed += 1
        continue
      }
      retried += 1
      const row = select.get(item.rowKey)
      if (!row || row.sealed === null || row.sealed.startsWith(current)) continue
      const again = resealValue(ring, column, item.rowKey, row.sealed)
      if (again === null) {
        unreadable.push(item.place)
        continue
      }
      update.run(again, item.rowKey, row.sealed)
      resealed += 1
    }
    return { resealed, retried, unreadable }
  })
  return write.immediate()
}
