export { apiKeyView } from './api-keys/index.js'
export { unknownIntegration } from './unknown-integration.js'
export type { ApiKeyService, IssuedApiKey, IssueApiKeyOptions } from './api-keys/index.js'
export type {
  AuthorizationResult,
  AuthorizationStart,
  BeginAuthorizationOptions,
  ConnectSessionOptions,
  CreatedConnectSession,
  FlowBinding,
  OpenConnectSession,
  SessionAuthorizationResult,
  SessionConnectionInput,
} from './authorization/index.js'
export { errorEnvelope, parseOrThrow } from './capabilities/index.js'
export { createConnectorCatalog } from './catalog.js'
export {
  DEFAULT_ROTATION_BATCH,
  encryptionKeyStatusView,
  rotationReportView,
} from './encryption-keys/index.js'
export type {
  EncryptionKeyStatus,
  EncryptionKeyUse,
  RotateOptions,
  RotationProgress,
  RotationReport,
} from './encryption-keys/index.js'
export type { ConnectorCatalogOptions } from './catalog.js'
export type {
  Envelope,
  EnvelopeError,
  ErrorEnvelope,
  SuccessEnvelope,
} from './capabilities/index.js'
export {
  connectionDeletedView,
  connectionView,
  credentialsView,
  connectionViewSchema,
  integrationView,
  integrationViewSchema,
} from './connections/index.js'
export {
  DEFAULT_PAGE_SIZE,
  importLineSchema,
  MAX_PAGE_SIZE,
  readImportRecords,
  withWireAuth,
} from './connections/index.js'
export type {
  ConnectionPageQuery,
  ConnectionDeletedView,
  ConnectionView,
  CredentialsView,
  CreateConnectionInput,
  ImportOptions,
  ImportProgress,
  ImportRecord,
  ImportReport,
  ImportSource,
  DisconnectResult,
  IntegrationView,
  RevocationReport,
} from './connections/index.js'
export type { ResolvedConnection } from './credentials/index.js'
export type { EventService } from './event-bus.js'
export {
  connectionEventView,
  DEFAULT_EVENT_RETENTION_DAYS,
  DEFAULT_EVENTS_PER_CONNECTION,
} from './event-log/index.js'
export type { ActivityBucket, ConnectionEventService, EventLogOptions } from './event-log/index.js'
export { OPERATOR_SESSION_SECONDS } from './operator-sessions/index.js'
export type { OperatorSessionService, OperatorSessionView } from './operator-sessions/index.js'
export type { RuntimeEvent, RuntimeEventListener } from './events.js'
export { confineUrl } from './fetch/index.js'
export type { FetchLike, ForwardBody, ForwardHeaders, ForwardRequest, ForwardResponse, RetryPolicy } from './fetch/index.js'
export { RECORD_ID } from './connections/index.js'
export { createPatchbay } from './patchbay.js'
export type { Patchbay, PatchbayOptions, PatchbaySignIn } from './patchbay.js'
export type { RefreshScheduler, RefreshSchedulerOptions, RefreshSchedulerStatus } from './scheduler/index.js'
export { SIGNIN_RESULT_SECONDS } from './signin/index.js'
export type { BeginSignInOptions, SignInCompletion, SignInResult } from './signin/index.js'
export { compileCatalogue } from './catalogue.js'
export type { ConnectorCatalog, EncryptionKeyService } from './patchbay-types.js'
export { createOidcDiscovery, ID_TOKEN_ALGORITHMS } from './oidc/index.js'
export type { KeySetOptions, OidcDiscovery } from './oidc/index.js'
export { createOperatorOidc } from './oidc/index.js'
export type { OperatorOidc, OperatorOidcConfig } from './oidc/index.js'
export {
  addWebhookEndpoint,
  createdWebhookEndpointSchema,
  createWebhookDispatcher,
  isWebhookSecret,
  receiveWebhook,
  WEBHOOK_EVENT_TYPES,
  webhookEndpointView,
  webhookEndpointViewSchema,
} from './webhooks/index.js'
export type {
  ConfiguredWebhookEndpoint,
  WebhookDispatcher,
  WebhookDispatcherOptions,
  WebhookEndpointView,
  WebhookEventType,
  WebhookService,
} from './webhooks/index.js'
// What the shells show of stored records, so that they never import the store.
export type {
  ApiKey,
  ConnectionCount,
  ConnectionEvent,
  WebhookDelivery,
  WebhookDeliveryStatus,
} from '../store/index.js'
