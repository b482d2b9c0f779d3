import { createRequire } from 'node:module'
import type Database from 'better-sqlite3'

// better-sqlite3 is a native addon, and loading it is a good part of a CLI cold start. It is
// loaded when a database is first opened, not when the store is imported: the configuration
// imports the store (to check a PostgreSQL URL), and `patchbay info` or an inline `patchbay call`
// never open a database (issue 9). `require` here also keeps a bundler from inlining it.
const require = createRequire(import.meta.url)
let driver: typeof Database | undefined

/** better-sqlite3's `Database` class, loaded on first use. */
export function sqliteDriver(): typeof Database {
  driver ??= require('better-sqlite3') as typeof Database
  return driver
}
