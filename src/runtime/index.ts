export { AUTH_SESSION_SECONDS } from './authorization.js'
export type { AuthorizationResult, AuthorizationStart, BeginAuthorizationOptions } from './authorization.js'
export { callInputSchema, parseOrThrow } from './capabilities.js'
export type { CallInput } from './capabilities.js'
export type {
  CreatedConnectSession,
  OpenConnectSession,
  SessionAuthorizationResult,
  SessionConnectionInput,
} from './connect-sessions.js'
export type { CreateConnectionInput } from './connections.js'
export { confineUrl } from './confine-url.js'
export { errorEnvelope } from './envelope.js'
export type { FlowBinding } from './flow-binding.js'
export type { Envelope, EnvelopeError, ErrorEnvelope, SuccessEnvelope } from './envelope.js'
export type { RuntimeEvent, RuntimeEventListener } from './events.js'
export { CONNECT_SESSION_SECONDS, createPatchbay } from './patchbay.js'
export type { ConnectSessionOptions, Patchbay, PatchbayOptions } from './patchbay.js'
export type { FetchLike } from './provider-call.js'
export { redactText } from './redact.js'
export type { DisconnectResult, RevocationReport } from './revocation.js'
export { DEFAULT_REPLAY_LIMIT } from './request-body.js'
export { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, retryPolicy } from './retry.js'
export type { AttemptOutcome, RetryPolicy } from './retry.js'
export { connectionView, connectionViewSchema, integrationView, integrationViewSchema } from './views.js'
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
export type { ConnectionView, IntegrationView } from './views.js'
