export { createConnection, credentialsFromInput } from './connections.js'
export type { CreateConnectionInput } from './connections.js'
export { checkIntegrationId, RECORD_ID } from './record-id.js'
export { finishConnection, providerRefusal } from './finish-connection.js'
export { disconnectConnection } from './revocation.js'
export type { DisconnectResult, RevocationReport } from './revocation.js'
export {
  connectionView,
  connectionViewSchema,
  integrationView,
  integrationViewSchema,
} from './views.js'
export type { ConnectionView, IntegrationView } from './views.js'
