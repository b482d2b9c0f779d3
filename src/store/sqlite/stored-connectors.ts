import type Database from 'better-sqlite3'
import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { sqliteDriver } from './driver.js'

/**
 * The JSON connectors stored in a SQLite file, read without opening the store: read-only, no
 * migration, no key ring (connector definitions are not secret). What `patchbay info` and an
 * inline `patchbay call` need from a database that exists; they never create one.
 * @returns the definitions by id order; none when the file has no connectors table yet
 * @throws PatchbayError `invalid_config` when the file is not a readable SQLite database
 */
export function readStoredConnectors(path: string): { [key: string]: JsonValue }[] {
  let db: Database.Database
  try {
    db = new (sqliteDriver())(path, { readonly: true, fileMustExist: true })
  } catch (cause) {
    throw new PatchbayError('invalid_config', `Cannot open the database ${path}`, { cause })
  }
  try {
    db.pragma('busy_timeout = 5000')
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'connectors'")
      .get()
    if (!table) return []
    const rows = db.prepare('SELECT id, definition FROM connectors ORDER BY id').all() as {
      id: string
      definition: string
    }[]
    return rows.map((row) => {
      const definition: unknown = JSON.parse(row.definition)
      if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
        throw new PatchbayError('invalid_config', `The stored connector ${row.id} is not an object`)
      }
      return definition as { [key: string]: JsonValue }
    })
  } catch (cause) {
    if (cause instanceof PatchbayError) throw cause
    throw new PatchbayError('invalid_config', `Cannot read the connectors of ${path}`, { cause })
  } finally {
    db.close()
  }
}
