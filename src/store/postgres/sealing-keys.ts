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
import { relabelLegacy, sealedKeyRef } from '../seal.js'
import type { KeyRing } from '../seal.js'
import type { ResealBatch, ResealCursor, ResealItem, ResealWrite, SealingKeys } from '../types.js'
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

/** The ring's keys and how many values each seals, from the counting table. */
export async function sealingKeys(db: Queryable, ring: KeyRing): Promise<SealingKeys> {
  const counts = await db.query<{ key_ref: string; uses: number }>(
    'SELECT key_ref, uses FROM sealing_key_uses WHERE uses > 0 ORDER BY key_ref',
  )
  return describeSealingKeys(ring, counts)
}

/**
 * Reads up to `limit` values not sealed with the primary key, in column order and row key order
 * within a column, as the SQLite store does, and seals each again in memory. No lock is taken:
 * the write checks each value again under its own.
 */
export async function readResealBatch(
  db: Queryable,
  ring: KeyRing,
  from: ResealCursor | null,
  limit: number,
): Promise<ResealBatch> {
  assertBatchLimit(limit)
  const current = `pb2.${ring.primaryKeyId}.`
  const items: ResealItem[] = []
  const unreadable: string[] = []
  let index = from?.column ?? 0
  let after = from?.after ?? null
  while (index < SEALED_COLUMNS.length && items.length + unreadable.length < limit) {
    const column = sealedColumnAt(index)
    const wanted = limit - items.length - unreadable.length
    // Two statements rather than `($3 IS NULL OR key > $3)`, which the planner cannot turn into
    // a range of the primary key's index: every batch would scan the table from its start.
    const rows = await db.query<{ row_key: string; sealed: string }>(
      `SELECT ${column.rowKey} AS row_key, ${column.column} AS sealed FROM ${column.table}
       WHERE ${column.column} IS NOT NULL AND left(${column.column}, $1) <> $2
         ${after === null ? '' : `AND ${column.rowKey} > $4`}
       ORDER BY ${column.rowKey} LIMIT $3`,
      after === null ? [current.length, current, wanted] : [current.length, current, wanted, after],
    )
    for (const row of rows) {
      after = row.row_key
      const resealed = resealValue(ring, column, row.row_key, row.sealed)
      const place = placeOf(column, row.row_key)
      if (resealed === null) unreadable.push(place)
      else items.push({ place, column: index, rowKey: row.row_key, sealed: row.sealed, resealed })
    }
    if (rows.length < wanted) {
      index += 1
      after = null
    }
  }
  return { items, unreadable, next: index < SEALED_COLUMNS.length ? { column: index, after } : null }
}

// A deadlock (40P01) can only involve a writer of several rows at once (an import) meeting the
// batch; PostgreSQL ends one of the two, and the batch, which writes only values still as read,
// is simply run again.
const DEADLOCK_RETRIES = 3

/**
 * Writes a batch in one transaction. Per sealed column, the batch's rows are first locked in row
 * key order (`FOR UPDATE`), before any write fires the key-use trigger, so a server writing one
 * row waits for the batch rather than deadlocking with it on the counters. A row whose value is
 * no longer the one read (a refresh in between) is resealed from its current value under that
 * lock, unless it is already sealed with the primary key or gone. The `UPDATE` still checks the
 * value, as the fence of the write.
 */
export async function writeResealBatch(
  db: Database,
  ring: KeyRing,
  items: readonly ResealItem[],
): Promise<ResealWrite> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction((tx) => writeLocked(tx, ring, items))
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code !== '40P01' || attempt > DEADLOCK_RETRIES) throw error
    }
  }
}

async function writeLocked(
  tx: Queryable,
  ring: KeyRing,
  items: readonly ResealItem[],
): Promise<ResealWrite> {
  const current = `pb2.${ring.primaryKeyId}.`
  let resealed = 0
  let retried = 0
  const unreadable: string[] = []
  const byColumn = new Map<number, ResealItem[]>()
  for (const item of items) {
    sealedColumnAt(item.column)
    const group = byColumn.get(item.column)
    if (group) group.push(item)
    else byColumn.set(item.column, [item])
  }
  for (const [index, columnItems] of [...byColumn].sort(([a], [b]) => a - b)) {
    const column = sealedColumnAt(index)
    const locked = await tx.query<{ row_key: string; sealed: string | null }>(
      `SELECT ${column.rowKey} AS row_key, ${column.column} AS sealed FROM ${column.table}
       WHERE ${column.rowKey} = ANY($1::text[]) ORDER BY ${column.rowKey} FOR UPDATE`,
      [columnItems.map((item) => item.rowKey)],
    )
    const now = new Map(locked.map((row) => [row.row_key, row.sealed]))
    const writes: { rowKey: string; sealed: string; resealed: string }[] = []
    for (const item of columnItems) {
      const value = now.get(item.rowKey)
      if (value === item.sealed) {
        writes.push(item)
        continue
      }
      retried += 1
      if (value === undefined || value === null || value.startsWith(current)) continue
      const again = resealValue(ring, column, item.rowKey, value)
      if (again === null) unreadable.push(item.place)
      else writes.push({ rowKey: item.rowKey, sealed: value, resealed: again })
    }
    if (writes.length === 0) continue
    resealed += await tx.run(
      `UPDATE ${column.table} AS t SET ${column.column} = v.resealed
       FROM unnest($1::text[], $2::text[], $3::text[]) AS v(row_key, sealed, resealed)
       WHERE t.${column.rowKey} = v.row_key AND t.${column.column} = v.sealed`,
      [writes.map((w) => w.rowKey), writes.map((w) => w.sealed), writes.map((w) => w.resealed)],
    )
  }
  return { resealed, retried, unreadable }
}
