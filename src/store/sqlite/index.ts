export { openSqliteStore } from './sqlite-store.js'
export type { SqliteStoreOptions } from './sqlite-store.js'
export { readStoredConnectors } from './stored-connectors.js'
