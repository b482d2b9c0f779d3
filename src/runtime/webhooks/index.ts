export { DEFAULT_WEBHOOK_RETRY, nextRetryDelay } from './backoff.js'
export type { WebhookRetryPolicy } from './backoff.js'
export { CONFIGURED_ENDPOINT_ID, createWebhookDispatcher } from './dispatcher.js'
export type {
  ConfiguredWebhookEndpoint,
  WebhookDispatcher,
  WebhookDispatcherOptions,
} from './dispatcher.js'
export {
  addWebhookEndpoint,
  checkWebhookEvents,
  createdWebhookEndpointSchema,
  listWebhookEndpointViews,
  removeWebhookEndpoint,
  webhookEndpointView,
  webhookEndpointViewSchema,
} from './endpoints.js'
export type { AddWebhookEndpointOptions, WebhookEndpointView } from './endpoints.js'
export { verifyHmacWebhook } from './incoming-signature.js'
export {
  isWebhookEventType,
  messageForEvent,
  WEBHOOK_EVENT_TYPES,
  webhookMessage,
} from './messages.js'
export type { WebhookEventType, WebhookMessage } from './messages.js'
export { receiveWebhook } from './receive.js'
export type { IncomingWebhook, ReceivedWebhook, ReceiveWebhookDeps } from './receive.js'
export {
  formatWebhookSecret,
  isWebhookSecret,
  signWebhook,
  WEBHOOK_SECRET_PREFIX,
  webhookHeaders,
  webhookSigningKey,
} from './standard-webhooks.js'
export { createWebhookService } from './service.js'
export type { WebhookService, WebhookServiceDeps } from './service.js'
