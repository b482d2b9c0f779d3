import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Patchbay } from '../runtime/index.js'

/** What the server records for `GET /metrics`, and the text it answers with. */
export interface ServerMetrics {
  /** A proxied request answered with `status` after `seconds` (to the answer's headers). */
  observeProxy(status: number, seconds: number): void
  /** A `GET /connections/:id/credentials` answered with `status`. */
  countCredentialRequest(status: number): void
  /** The Prometheus text exposition of every metric, read now. */
  render(): Promise<{ contentType: string; text: string }>
}

/** `2xx`, `4xx`…: a label with five values, so series stay few whatever providers answer. */
function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`
}

/**
 * The server's Prometheus metrics, in a registry of its own (prom-client's global one would mix
 * two apps in one process): refreshes and `needs_reauth` from the runtime's events (every refresh,
 * a request's or the scheduler's), the scheduler's own counts and due backlog read from its
 * status at each scrape, and the proxy's and credential route's answers counted as they go. No
 * label carries a connection id, a path or anything a caller chose.
 */
export function createServerMetrics(patchbay: Patchbay): ServerMetrics {
  const registry = new Registry()
  const refreshes = new Counter({
    name: 'patchbay_refreshes_total',
    help: 'Credential refreshes by this process (on request or in the background), by result',
    labelNames: ['result'],
    registers: [registry],
  })
  const needsReauth = new Counter({
    name: 'patchbay_needs_reauth_total',
    help: 'Connections this process marked needs_reauth (invalid_grant, or a refused credential check)',
    registers: [registry],
  })
  for (const result of ['ok', 'failed']) refreshes.inc({ result }, 0)
  patchbay.on((event) => {
    if (event.type === 'connection.refreshed') refreshes.inc({ result: 'ok' })
    else if (event.type === 'refresh.failed') refreshes.inc({ result: 'failed' })
    else if (event.type === 'connection.needs_reauth') needsReauth.inc()
  })

  const scheduler = patchbay.scheduler
  new Gauge({
    name: 'patchbay_refresh_scheduler_running',
    help: '1 while this process runs the background refresh',
    registers: [registry],
    collect() {
      this.set(scheduler.status().running ? 1 : 0)
    },
  })
  new Gauge({
    name: 'patchbay_refresh_due_backlog',
    help: 'Connections due for a refresh now (counted up to 100000), shared by every instance',
    registers: [registry],
    async collect() {
      const status = scheduler.status()
      const due = status.running ? status.dueBacklog : await scheduler.countDue().catch(() => null)
      if (due !== null) this.set(due)
    },
  })
  new Gauge({
    name: 'patchbay_refresh_scheduler_last_pass_timestamp_seconds',
    help: 'When the background refresh last finished a pass',
    registers: [registry],
    collect() {
      const at = scheduler.status().lastPassAt
      if (at !== null) this.set(at / 1000)
    },
  })
  new Counter({
    name: 'patchbay_background_refreshes_total',
    help: 'Refreshes the background scheduler of this process made, by result',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      const { ok, failed, needsReauth: reauth } = scheduler.status().refreshes
      this.reset()
      this.inc({ result: 'ok' }, ok)
      this.inc({ result: 'failed' }, failed)
      this.inc({ result: 'needs_reauth' }, reauth)
    },
  })
  new Counter({
    name: 'patchbay_credential_checks_total',
    help: 'Scheduled checks of credentials that do not expire, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [outcome, count] of Object.entries(scheduler.status().checks)) this.inc({ outcome }, count)
    },
  })

  const proxyRequests = new Counter({
    name: 'patchbay_proxy_requests_total',
    help: 'Requests through /proxy, by the status class of the answer',
    labelNames: ['status_class'],
    registers: [registry],
  })
  const proxyLatency = new Histogram({
    name: 'patchbay_proxy_request_duration_seconds',
    help: "Time from a proxied request's arrival to its answer's headers, by status class",
    labelNames: ['status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  })
  const credentialRequests = new Counter({
    name: 'patchbay_credential_requests_total',
    help: 'Requests for GET /connections/{id}/credentials, by status class',
    labelNames: ['status_class'],
    registers: [registry],
  })

  return {
    observeProxy(status, seconds) {
      const labels = { status_class: statusClass(status) }
      proxyRequests.inc(labels)
      proxyLatency.observe(labels, seconds)
    },
    countCredentialRequest(status) {
      credentialRequests.inc({ status_class: statusClass(status) })
    },
    async render() {
      return { contentType: registry.contentType, text: await registry.metrics() }
    },
  }
}
