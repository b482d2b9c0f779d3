import { randomBytes } from 'node:crypto'
import type { JsonObject } from '../../kit/index.js'
import type {
  ConnectionStore,
  WebhookDelivery,
  WebhookDeliveryInput,
  WebhookStore,
} from '../../store/index.js'
import type { RuntimeEvent } from '../events.js'
import type { FetchLike } from '../fetch/provider-call.js'
import { DEFAULT_WEBHOOK_RETRY, nextRetryDelay } from './backoff.js'
import type { WebhookRetryPolicy } from './backoff.js'
import { messageForEvent, webhookMessage } from './messages.js'
import type { WebhookEventType, WebhookMessage } from './messages.js'
import { webhookHeaders, webhookSigningKey } from './standard-webhooks.js'

/** The endpoint configured by environment (`PATCHBAY_WEBHOOK_URL`, `PATCHBAY_WEBHOOK_SECRET`). */
export interface ConfiguredWebhookEndpoint {
  url: string
  /** `whsec_…` */
  secret: string
  /** The event types it gets; every type when absent. */
  events?: readonly string[] | null
}

/** The id deliveries to the configured endpoint are queued under. */
export const CONFIGURED_ENDPOINT_ID = 'env'

/** Options of {@link createWebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  /** The queue and endpoints, and the connections events are about. */
  store: WebhookStore & Pick<ConnectionStore, 'getConnection'>
  /** An endpoint from configuration, besides the ones stored. */
  endpoint?: ConfiguredWebhookEndpoint | null
  fetch?: FetchLike
  retry?: Partial<WebhookRetryPolicy>
  /** How often the worker looks for due deliveries (default 1000 ms). */
  pollIntervalMs?: number
  /** How long one attempt may take (default 10 s). */
  timeoutMs?: number
  /** Deliveries sent at once (default 20). */
  batchSize?: number
  /** Epoch milliseconds; for tests. */
  nowMs?: () => number
  /** Told about failures to queue or record a delivery, which are otherwise silent. */
  onError?: (error: unknown) => void
}

/** Queues outgoing webhooks in the store and delivers them. See {@link createWebhookDispatcher}. */
export interface WebhookDispatcher {
  /** The endpoint from configuration, without its secret; null when there is none. */
  readonly configured: { url: string; events: readonly string[] | null } | null
  /** Queues a runtime event for every endpoint that wants it: `patchbay.on(dispatcher.handle)`. */
  handle(event: RuntimeEvent): void
  /** Queues a message for every endpoint that wants it; resolves with the number queued. */
  publish(type: WebhookEventType, data: JsonObject): Promise<number>
  /** Starts the worker: a timer that does not keep the process alive. */
  start(): void
  /** Sends what is due now and records the outcomes. */
  deliverDue(): Promise<void>
  /** Resolves once every event handed to `handle` so far is queued. */
  flush(): Promise<void>
  /** Stops the worker, after the queueing and the attempts in progress are done. */
  close(): Promise<void>
}

interface Target {
  url: string
  secret: string
}

/** A delivery's last error names what went wrong, never the URL (it may carry a token). */
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause
  if (typeof cause?.code === 'string') return `no answer: ${cause.code}`
  if ((error as { name?: unknown }).name === 'TimeoutError') return 'no answer: timed out'
  if ((error as { name?: unknown }).name === 'AbortError') return 'no answer: stopped'
  return 'no answer'
}

/**
 * Outgoing webhooks, signed per the Standard Webhooks spec. Every message is first written to the
 * store's delivery queue, one row per endpoint, then sent by a small worker that retries with
 * exponential backoff; a crash loses nothing, since a claimed delivery comes due again.
 * Several processes may share one store: each delivery is claimed by one worker at a time.
 *
 * @example
 * const webhooks = createWebhookDispatcher({ store, endpoint: { url, secret } })
 * patchbay.on(webhooks.handle)
 * webhooks.start()
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { store } = options
  const configured = options.endpoint ?? null
  // Checked here, so a malformed secret fails at start rather than at each delivery.
  if (configured) webhookSigningKey(configured.secret)
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => fetch(input, init))
  const nowMs = options.nowMs ?? (() => Date.now())
  const retry: WebhookRetryPolicy = { ...DEFAULT_WEBHOOK_RETRY, ...options.retry }
  const pollIntervalMs = options.pollIntervalMs ?? 1000
  const timeoutMs = options.timeoutMs ?? 10_000
  const batchSize = options.batchSize ?? 20
  const reportError = options.onError ?? (() => {})

  const queueing = new Set<Promise<unknown>>()
  const stopping = new AbortController()
  let timer: NodeJS.Timeout | null = null
  let started = false
  let closed = false
  let running: Promise<void> | null = null
  let again = false

  const wants = (events: readonly string[] | null | undefined, type: string) =>
    !events || events.includes(type)

  async function enqueue(message: WebhookMessage): Promise<number> {
    const payload = JSON.stringify(message)
    const endpointIds = (await store.listWebhookEndpoints())
      .filter((endpoint) => wants(endpoint.events, message.type))
      .map((endpoint) => endpoint.id)
    if (configured && wants(configured.events, message.type))
      endpointIds.push(CONFIGURED_ENDPOINT_ID)
    const due = nowMs()
    const deliveries: WebhookDeliveryInput[] = endpointIds.map((endpointId) => ({
      id: `msg_${randomBytes(18).toString('base64url')}`,
      endpointId,
      eventType: message.type,
      payload,
      nextAttemptAt: due,
    }))
    await store.enqueueWebhookDeliveries(deliveries)
    if (deliveries.length > 0) wake()
    return deliveries.length
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    queueing.add(promise)
    void promise.then(
      () => queueing.delete(promise),
      () => queueing.delete(promise),
    )
    return promise
  }

  async function messageOf(event: RuntimeEvent): Promise<WebhookMessage | null> {
    const at = nowMs()
    // Read after the event: the connection as it now stands (a deleted one is gone).
    const connection =
      event.type === 'connection.deleted' ? null : await store.getConnection(event.connectionId)
    return messageForEvent(event, connection, at)
  }

  async function targetOf(delivery: WebhookDelivery): Promise<Target | null> {
    if (delivery.endpointId === CONFIGURED_ENDPOINT_ID) return configured
    return store.getWebhookEndpoint(delivery.endpointId)
  }

  async function attempt(delivery: WebhookDelivery): Promise<void> {
    const target = await targetOf(delivery)
    const attempts = delivery.attempts + 1
    if (!target) {
      await store.recordWebhookAttempt(delivery.id, {
        status: 'failed',
        attempts: delivery.attempts,
        nextAttemptAt: nowMs(),
        lastStatus: null,
        lastError: 'the endpoint is no longer configured',
      })
      return
    }
    let status: number | null = null
    let failure: string | null = null
    try {
      // Signed at each attempt: receivers check the timestamp against their clock.
      const timestamp = Math.floor(nowMs() / 1000)
      const response = await fetchImpl(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Patchbay-Webhooks',
          ...webhookHeaders(target.secret, delivery.id, timestamp, delivery.payload),
        },
        body: delivery.payload,
        // A redirect is not a delivery: the spec counts only a 2xx answer.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
      })
      status = response.status
      await response.body?.cancel().catch(() => {})
      if (!response.ok) failure = `answered ${response.status}`
    } catch (error) {
      failure = describeFailure(error)
    }
    if (failure === null) {
      await store.recordWebhookAttempt(delivery.id, {
        status: 'delivered',
        attempts,
        nextAttemptAt: nowMs(),
        lastStatus: status,
        lastError: null,
      })
      return
    }
    const delay = nextRetryDelay(attempts, retry, Math.random())
    await store.recordWebhookAttempt(delivery.id, {
      status: delay === null ? 'failed' : 'pending',
      attempts,
      nextAttemptAt: nowMs() + (delay ?? 0),
      lastStatus: status,
      lastError: failure,
    })
  }

  async function deliverBatch(): Promise<number> {
    // The claim outlives the longest attempt, so no other worker sends the same one meanwhile.
    const due = await store.claimWebhookDeliveries({
      now: nowMs(),
      leaseMs: timeoutMs + 5000,
      limit: batchSize,
    })
    await Promise.all(due.map((delivery) => attempt(delivery).catch(reportError)))
    return due.length
  }

  async function deliverDue(): Promise<void> {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          while (!closed && (await deliverBatch()) === batchSize) {
            // A full batch: there may be more due right now.
          }
        } while (again && !closed)
      } catch (error) {
        reportError(error)
      } finally {
        running = null
      }
    })()
    return running
  }

  function schedule(delayMs: number) {
    if (!started || closed) return
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void deliverDue().finally(() => schedule(pollIntervalMs))
    }, delayMs)
    timer.unref()
  }

  /** Something was queued: send it now rather than at the next poll. */
  function wake() {
    if (started && !closed) {
      if (running) again = true
      else schedule(0)
    }
  }

  async function flush(): Promise<void> {
    while (queueing.size > 0) await Promise.allSettled([...queueing])
  }

  return {
    configured: configured ? { url: configured.url, events: configured.events ?? null } : null,
    handle(event) {
      if (closed) return
      const queued = messageOf(event).then((message) => (message ? enqueue(message) : 0))
      void track(queued).catch(reportError)
    },
    publish(type, data) {
      return track(enqueue(webhookMessage(type, data, nowMs())))
    },
    start() {
      if (started || closed) return
      started = true
      schedule(0)
    },
    deliverDue,
    flush,
    async close() {
      if (closed) return
      await flush()
      closed = true
      if (timer) clearTimeout(timer)
      timer = null
      // Attempts in progress end now and are recorded as failed, to be retried by the next run.
      stopping.abort()
      await running
    },
  }
}
