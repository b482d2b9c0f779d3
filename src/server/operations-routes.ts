import type { Hono, MiddlewareHandler } from 'hono'
import type { Patchbay } from '../runtime/index.js'
import { apiKeyDigests, bearerMatches } from './api-auth.js'
import type { ServerMetrics } from './metrics.js'

/** What `GET /health` answers: nothing secret, nothing about a single connection. */
export interface HealthReport {
  status: 'ok' | 'unavailable'
  store: 'ok' | 'unreachable'
  scheduler: {
    running: boolean
    /** ISO 8601, null before the first pass. */
    last_pass_at: string | null
    last_pass_error: string | null
    /** Connections due for a refresh, shared by every instance; null when it cannot be counted. */
    due_backlog: number | null
  }
}

async function healthOf(patchbay: Patchbay): Promise<HealthReport> {
  const reachable = await patchbay.ping().then(
    () => true,
    () => false,
  )
  const scheduler = patchbay.scheduler.status()
  let due = scheduler.running ? scheduler.dueBacklog : null
  if (reachable && due === null) due = await patchbay.scheduler.countDue().catch(() => null)
  return {
    status: reachable ? 'ok' : 'unavailable',
    store: reachable ? 'ok' : 'unreachable',
    scheduler: {
      running: scheduler.running,
      last_pass_at: scheduler.lastPassAt === null ? null : new Date(scheduler.lastPassAt).toISOString(),
      last_pass_error: scheduler.lastPassError,
      due_backlog: due,
    },
  }
}

/**
 * `GET /health` (public, for load balancers: 503 while the store does not answer) and
 * `GET /metrics` (Prometheus text; an API key, or the scrape token `metricsToken` when one is
 * configured, since counts of connections and traffic are the operator's business).
 */
export function mountOperationsRoutes(
  app: Hono,
  patchbay: Patchbay,
  api: MiddlewareHandler,
  metrics: ServerMetrics,
  metricsToken?: string,
): void {
  app.get('/health', async (c) => {
    const report = await healthOf(patchbay)
    c.header('Cache-Control', 'no-store')
    return c.json(report, report.status === 'ok' ? 200 : 503)
  })
  const scrapeToken = metricsToken ? apiKeyDigests([metricsToken]) : []
  app.get(
    '/metrics',
    async (c, next) => {
      if (scrapeToken.length > 0 && bearerMatches(c.req.header('authorization'), scrapeToken)) return next()
      return api(c, next)
    },
    async (c) => {
      const { contentType, text } = await metrics.render()
      c.header('Cache-Control', 'no-store')
      return c.body(text, 200, { 'Content-Type': contentType })
    },
  )
}
