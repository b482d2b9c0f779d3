export type {
  ApiKey,
  ApiKeyInput,
  AuthSession,
  Connection,
  ConnectionInput,
  ConnectionPatch,
  ConnectionStatus,
  ConnectSession,
  Integration,
  IntegrationInput,
  ResealReport,
  Store,
  StoredConnector,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryInput,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointInput,
} from './types.js'
export { apiKeyView, findActiveApiKey, hashApiKey, issueApiKey } from './api-keys.js'
export type { IssuedApiKey, IssueApiKeyOptions } from './api-keys.js'
export { createKeyRing, keyFingerprint, open, parseKeyRing, seal } from './seal.js'
export type { KeyRing, KeyRingEntry, UnopenedReason } from './seal.js'
export { ensurePrivateDir, ensurePrivateFile, looseModeWarning } from './private-files.js'
export { DEV_KEY_FILE, loadKeyRing } from './keys.js'
export type { LoadKeyRingOptions } from './keys.js'
export { openSqliteStore } from './sqlite/index.js'
export type { SqliteStoreOptions } from './sqlite/index.js'
