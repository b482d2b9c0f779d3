import type { Connector, JsonObject } from '../../kit/index.js'
import type {
  ConnectionStore,
  IntegrationStore,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookStore,
} from '../../store/index.js'
import type { WebhookDispatcher } from './dispatcher.js'
import { addWebhookEndpoint, listWebhookEndpointViews, removeWebhookEndpoint } from './endpoints.js'
import type { AddWebhookEndpointOptions, WebhookEndpointView } from './endpoints.js'
import type { WebhookEventType } from './messages.js'
import { receiveWebhook } from './receive.js'
import type { IncomingWebhook, ReceivedWebhook } from './receive.js'

/**
 * Webhooks in both directions, the runtime's service behind `patchbay.webhooks`: the endpoints
 * outgoing events go to, their delivery queue, and providers' incoming webhooks. One dispatcher
 * per runtime queues every event; only a process that calls `start()` (a server) sends.
 */
export interface WebhookService {
  /** The endpoint from configuration, without its secret; null when there is none. */
  readonly configured: WebhookDispatcher['configured']
  /**
   * Adds an endpoint with a fresh `whsec_…` secret, returned this once.
   * @throws PatchbayError `bad_request` for a non-http(s) URL or an unknown event type
   */
  addEndpoint(
    url: string,
    options?: AddWebhookEndpointOptions,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }>
  /** Every endpoint, the configured one first: views, never secrets. */
  listEndpoints(): Promise<WebhookEndpointView[]>
  /**
   * Removes a stored endpoint and its pending deliveries.
   * @throws PatchbayError `not_found`; `bad_request` for the one configured by environment
   */
  removeEndpoint(id: string): Promise<void>
  /** The delivery queue, oldest first. */
  deliveries(filter?: { endpointId?: string; status?: WebhookDeliveryStatus }): Promise<WebhookDelivery[]>
  /**
   * Verifies a provider's webhook and queues its event as `webhook.received`.
   * @throws PatchbayError `not_found` for an unknown integration or one that takes no webhooks;
   *   `unauthorized` for a missing or wrong signature
   */
  receive(integrationId: string, request: IncomingWebhook): Promise<ReceivedWebhook>
  /** Queues a message for every endpoint that wants it; resolves with the number queued. */
  publish(type: WebhookEventType, data: JsonObject): Promise<number>
  /** Starts sending: a worker on a timer that does not keep the process alive. */
  start(): void
  /** Sends what is due now and records the outcomes. */
  deliverDue(): Promise<void>
  /** Resolves once every event so far is queued. */
  flush(): Promise<void>
}

/** What {@link createWebhookService} needs of the runtime. */
export interface WebhookServiceDeps {
  store: WebhookStore & IntegrationStore & Pick<ConnectionStore, 'getConnection'>
  dispatcher: WebhookDispatcher
  /** The registered connector with this id; throws `not_found` when there is none. */
  connector: (id: string) => Connector
  /** Epoch seconds. */
  now: () => number
}

export function createWebhookService(deps: WebhookServiceDeps): WebhookService {
  const { store, dispatcher } = deps
  return {
    configured: dispatcher.configured,
    addEndpoint: (url, options) => addWebhookEndpoint(store, url, options),
    listEndpoints: () => listWebhookEndpointViews(store, dispatcher.configured),
    removeEndpoint: (id) => removeWebhookEndpoint(store, id),
    deliveries: (filter) => store.listWebhookDeliveries(filter),
    async receive(integrationId, request) {
      const received = await receiveWebhook(deps, integrationId, request)
      const { event } = received
      if (event) {
        await dispatcher.publish('webhook.received', {
          integration: received.integration,
          type: event.type,
          data: event.data,
        })
      }
      return received
    },
    publish: (type, data) => dispatcher.publish(type, data),
    start: () => dispatcher.start(),
    deliverDue: () => dispatcher.deliverDue(),
    flush: () => dispatcher.flush(),
  }
}
