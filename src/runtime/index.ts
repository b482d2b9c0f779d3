export { apiKeyView } from './api-keys/index.js'
export type { ApiKeyService, IssuedApiKey, IssueApiKeyOptions } from './api-keys/index.js'
export { AUTH_SESSION_SECONDS } from './authorization/index.js'
export type {
  AuthorizationResult,
  AuthorizationStart,
  BeginAuthorizationOptions,
  CreatedConnectSession,
  OpenConnectSession,
  SessionAuthorizationResult,
  SessionConnectionInput,
} from './authorization/index.js'
export { callInputSchema, errorEnvelope, parseOrThrow } from './capabilities/index.js'
export type {
  CallInput,
  Envelope,
  EnvelopeError,
  ErrorEnvelope,
  SuccessEnvelope,
} from './capabilities/index.js'
export {
  connectionView,
  connectionViewSchema,
  integrationView,
  integrationViewSchema,
} from './connections/index.js'
export type {
  ConnectionView,
  CreateConnectionInput,
  DisconnectResult,
  IntegrationView,
  RevocationReport,
} from './connections/index.js'
export type { EventService } from './event-bus.js'
export type { RuntimeEvent, RuntimeEventListener } from './events.js'
export {
  backoffDelay,
  confineUrl,
  DEFAULT_REPLAY_LIMIT,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryDelay,
  retryPolicy,
} from './fetch/index.js'
export type { AttemptOutcome, FetchLike, RetryPolicy } from './fetch/index.js'
export { CONNECT_SESSION_SECONDS, createPatchbay } from './patchbay.js'
export type { ConnectSessionOptions, Patchbay, PatchbayOptions } from './patchbay.js'
export { createOidcDiscovery, ID_TOKEN_ALGORITHMS } from './oidc/index.js'
export type { KeySetOptions, OidcDiscovery } from './oidc/index.js'
export { redactText } from './redact.js'
export {
  addWebhookEndpoint,
  createdWebhookEndpointSchema,
  createWebhookDispatcher,
  isWebhookSecret,
  listWebhookEndpointViews,
  receiveWebhook,
  removeWebhookEndpoint,
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
export type { ApiKey, WebhookDelivery, WebhookDeliveryStatus } from '../store/index.js'
