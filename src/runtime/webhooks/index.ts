export type { WebhookRetryPolicy } from './backoff.js'
export { createWebhookDispatcher } from './dispatcher.js'
export type {
  ConfiguredWebhookEndpoint,
  WebhookDispatcher,
  WebhookDispatcherOptions,
} from './dispatcher.js'
export {
  addWebhookEndpoint,
  createdWebhookEndpointSchema,
  webhookEndpointView,
  webhookEndpointViewSchema,
} from './endpoints.js'
export type { AddWebhookEndpointOptions, WebhookEndpointView } from './endpoints.js'
export { WEBHOOK_EVENT_TYPES } from './messages.js'
export type { WebhookEventType } from './messages.js'
export { receiveWebhook } from './receive.js'
export type { IncomingWebhook, ReceivedWebhook } from './receive.js'
export { isWebhookSecret } from './standard-webhooks.js'
export { createWebhookService } from './service.js'
export type { WebhookService } from './service.js'
