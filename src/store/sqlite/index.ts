export { openSqliteStore } from './sqlite-store.js'
export type { SqliteStoreOptions } from './sqlite-store.js'
export { MIGRATIONS, migrate } from './migrations.js'
export type { Migration } from './migrations.js'
