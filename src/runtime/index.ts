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
} from './webhooks/index.js'
