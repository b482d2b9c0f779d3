export type {
  ApiKey,
  ApiKeyInput,
  ApiKeyStore,
  AuthSession,
  Connection,
  ConnectionInput,
  ConnectionPage,
  ConnectionPatch,
  ConnectionQuery,
  ConnectionStatus,
  ConnectionStore,
  ConnectionSummary,
  ConnectorStore,
  ConnectSession,
  DueConnection,
  EncryptionKeyStore,
  Integration,
  IntegrationInput,
  IntegrationStore,
  PendingRefreshAttempt,
  RefreshAttemptRecord,
  RefreshFence,
  RefreshLeaseStore,
  RefreshScheduleStore,
  ResealBatch,
  ResealCursor,
  ResealItem,
  ResealWrite,
  RingKey,
  SealingKeys,
  SealingKeyUse,
  SessionStore,
  Store,
  StoredConnector,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryInput,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointInput,
  WebhookStore,
} from './types.js'
export { createKeyRing, keyFingerprint, open, parseKeyRing } from './seal.js'
export type { KeyRing, KeyRingEntry } from './seal.js'
export { loadKeyRing } from './keys.js'
export { ensurePrivateDir, ensurePrivateFile, looseModeWarning } from './private-files.js'
export type { LoadKeyRingOptions } from './keys.js'
export { openSqliteStore, readStoredConnectors } from './sqlite/index.js'
export type { SqliteStoreOptions } from './sqlite/index.js'
export { openPostgresStore, parsePostgresUrl, readStoredPostgresConnectors } from './postgres/index.js'
export type { PostgresStoreOptions } from './postgres/index.js'
