export { createConnection, credentialsFromInput } from './connections.js'
export { importConnections, importLineSchema } from './import.js'
export type { ImportOptions, ImportProgress, ImportReport } from './import.js'
export { readImportRecords, withWireAuth } from './import-records.js'
export type { ImportRecord, ImportSource } from './import-records.js'
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageConnections } from './page.js'
export type { ConnectionPageQuery } from './page.js'
export type { CreateConnectionInput } from './connections.js'
export { checkIntegrationId, RECORD_ID } from './record-id.js'
export { finishConnection, providerRefusal } from './finish-connection.js'
export { disconnectConnection } from './revocation.js'
export type { DisconnectResult, RevocationReport } from './revocation.js'
export {
  connectionDeletedView,
  connectionView,
  credentialsView,
  connectionViewSchema,
  integrationView,
  integrationViewSchema,
} from './views.js'
export type { ConnectionDeletedView, ConnectionView, CredentialsView, IntegrationView } from './views.js'
