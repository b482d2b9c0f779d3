import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { spawnUntil } from './cli.js'

/** A `patchbay start` process with the background refresh on, and how to reach it. */
export interface ScheduledServer {
  url: string
  child: ReturnType<typeof spawnUntil>['child']
  output: () => string
  /** Calls the API with the key; JSON in, JSON (or text) out. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string }>
  stop(): Promise<void>
}

/** What every scheduler test process shares: a key ring, an API key, a scrape token. */
export const SCHEDULER_ENV = {
  encryptionKey: randomBytes(32).toString('base64'),
  apiKey: `pb_test_${randomBytes(16).toString('hex')}`,
  metricsToken: `scrape_${randomBytes(16).toString('hex')}`,
}

/**
 * Starts `patchbay start --no-sandbox` (the built CLI) against a test's sandbox provider and
 * database, with short scheduler intervals so a test sees passes within a second.
 */
export async function startScheduledServer(options: {
  dir: string
  name: string
  db: string
  sandboxUrl: string
  env?: Record<string, string>
}): Promise<ScheduledServer> {
  const server = spawnUntil(['start', '--port', '0', '--no-sandbox'], {
    cwd: options.dir,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      PATCHBAY_HOME: join(options.dir, `home-${options.name}`),
      PATCHBAY_DB: options.db,
      PATCHBAY_ENCRYPTION_KEY: SCHEDULER_ENV.encryptionKey,
      PATCHBAY_API_KEY: SCHEDULER_ENV.apiKey,
      PATCHBAY_METRICS_TOKEN: SCHEDULER_ENV.metricsToken,
      PATCHBAY_SANDBOX_URL: options.sandboxUrl,
      PATCHBAY_LOG_LEVEL: 'warn',
      PATCHBAY_REFRESH_INTERVAL_MS: '250',
      ...options.env,
    },
    marker: 'Patchbay listening on',
    timeoutMs: 30_000,
  })
  const output = await server.ready
  const url = /Patchbay listening on (\S+)/.exec(output)![1] as string
  return {
    url,
    child: server.child,
    output: server.output,
    async api(method, path, body, headers = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${SCHEDULER_ENV.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // Metrics are text.
      }
      return { status: response.status, body: parsed, text }
    },
    async stop() {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGTERM')
        await server.exited
      }
    },
  }
}

/**
 * Resolves once `check` answers a value other than undefined, asking every 100 ms. The limit only
 * keeps a broken test from hanging; nothing is measured.
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, limitMs = 15_000): Promise<T> {
  const deadline = Date.now() + limitMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await sleep(100)
  }
}

/** One sample of a Prometheus text exposition, 0 when the series is absent. */
export function sample(metrics: string, series: string): number {
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1))
  }
  return 0
}
