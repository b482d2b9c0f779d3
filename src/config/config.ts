import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ConfiguredWebhookEndpoint } from '../runtime/index.js'
import { parsePostgresUrl } from '../store/index.js'
import { readWebhookEndpoint } from './webhook-config.js'

/** Everything Patchbay reads from its environment, resolved once. */
export interface PatchbayConfig {
  /** Where development files live (database, generated keys): `PATCHBAY_HOME`, `./.patchbay`. */
  home: string
  /** `PATCHBAY_DB` (a file path), or `<home>/patchbay.db`: the SQLite file, when not PostgreSQL. */
  dbPath: string
  /**
   * `PATCHBAY_DB=postgres://…` (or `postgresql://`): the PostgreSQL database several instances
   * share, with an optional `?schema=`; null for SQLite, the default.
   */
  postgresUrl: string | null
  host: string
  port: number
  /** `PATCHBAY_PUBLIC_URL`, or the listen address. */
  publicUrl: string
  /** `PATCHBAY_API_KEY`, comma-separated for several; empty means generate a dev key. */
  apiKeys: string[]
  /**
   * `PATCHBAY_CONNECTORS_DIR`, or `./connectors`: connector files (`.json`, `.js`, `.ts`) and the
   * packages `patchbay connectors add` installed there.
   */
  connectorsDir: string
  /**
   * `PATCHBAY_CONFIG`, or the first of `patchbay.config.{ts,mts,js,mjs,json}` in the working
   * directory: lists more connector files and npm packages. Null when there is none.
   */
  configFile: string | null
  /** `PATCHBAY_SANDBOX_URL`: where the sandbox connector points. */
  sandboxUrl: string | null
  /** `PATCHBAY_SANDBOX_PORT`: where `start` runs the sandbox provider (default 3001). */
  sandboxPort: number
  /** `PATCHBAY_SANDBOX=off` (or NODE_ENV=production) disables the built-in sandbox. */
  sandboxEnabled: boolean
  /** `PATCHBAY_REDIRECT_ORIGINS`: comma-separated origins connect flows may return to. */
  redirectOrigins: string[]
  /** `PATCHBAY_REFRESH_MARGIN`: seconds before expiry to refresh (default 300). */
  refreshMargin: number
  /**
   * `PATCHBAY_PROXY_RETRIES` (default 3) and `PATCHBAY_PROXY_RETRY_MAX_MS` (default 30000): how
   * often and for how long the proxy and `connection(id).fetch` retry transient failures.
   */
  proxyRetry: { retries: number; maxTotalMs: number }
  /**
   * `PATCHBAY_OIDC_ISSUER` and `PATCHBAY_OIDC_AUDIENCE` (comma-separated): JWT access tokens
   * from this issuer are accepted on API routes. Null when no issuer is set. `accessTokens`:
   * `PATCHBAY_OIDC_ACCEPTED_TYPES` (comma-separated `typ` values, default `at+jwt`),
   * `PATCHBAY_OIDC_REQUIRED_SCOPE` (space-separated, all required) and
   * `PATCHBAY_OIDC_REQUIRED_CLAIMS` (comma-separated `name=value`).
   */
  oidc: {
    issuer: string
    audience: string[]
    accessTokens: {
      acceptedTypes: string[]
      requiredScopes: string[]
      requiredClaims: Record<string, string>
    }
  } | null
  /** `PATCHBAY_LOG_LEVEL`: `info` by default; see {@link LOG_LEVELS}. */
  logLevel: LogLevel
  /** `PATCHBAY_WEBHOOK_URL`, `_SECRET`, `_EVENTS`: an outgoing webhook endpoint, or null. */
  webhook: ConfiguredWebhookEndpoint | null
  /**
   * `PATCHBAY_MAX_BODY_BYTES` (default 1 MiB): the largest request body of the API and Connect
   * page routes; `PATCHBAY_MAX_PROXY_BODY_BYTES` (default 100 MiB): of a proxied request, counted
   * as it streams; `PATCHBAY_MAX_IMPORT_BYTES` (default 64 MiB): of `POST /connections/import`.
   * Null leaves the server's default.
   */
  maxBodyBytes: number | null
  maxProxyBodyBytes: number | null
  maxImportBodyBytes: number | null
  /** `PATCHBAY_PROVIDER_TIMEOUT_MS` (default 30000): how long a provider has to answer. */
  providerTimeoutMs: number | null
  /** `PATCHBAY_EVENTS_RETENTION_DAYS` (default 30): how long connection events are kept. */
  eventsRetentionDays: number | null
  /**
   * The background refresh every server runs (docs/deploying.md); null with
   * `PATCHBAY_REFRESH_SCHEDULER=off`. `PATCHBAY_REFRESH_AHEAD` (seconds before expiry, default
   * 600), `PATCHBAY_REFRESH_INTERVAL_MS` (between passes, default 30000),
   * `PATCHBAY_REFRESH_CONCURRENCY` (default 4), `PATCHBAY_CHECK_INTERVAL` (seconds between checks
   * of credentials that do not expire, default 86400, 0 for none).
   */
  refreshScheduler: {
    aheadSeconds: number
    intervalMs: number
    concurrency: number
    checkIntervalSeconds: number
  } | null
  /**
   * `PATCHBAY_METRICS_TOKEN`: a bearer token that may read `GET /metrics` (and nothing else),
   * for a scraper that should not hold an API key; null: only API keys may.
   */
  metricsToken: string | null
}

/** The levels pino knows, most severe first. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

type LogLevel = (typeof LOG_LEVELS)[number]

function logLevel(value: string | undefined): LogLevel {
  if (value === undefined || value === '') return 'info'
  const level = value.trim().toLowerCase()
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    const levels = LOG_LEVELS.join(', ')
    throw new TypeError(`PATCHBAY_LOG_LEVEL must be one of ${levels}, got "${value}"`)
  }
  return level as LogLevel
}

function oidc(env: NodeJS.ProcessEnv): PatchbayConfig['oidc'] {
  const issuer = env['PATCHBAY_OIDC_ISSUER']?.trim()
  if (!issuer) return null
  if (!URL.canParse(issuer)) {
    throw new TypeError(`PATCHBAY_OIDC_ISSUER must be a URL, got "${issuer}"`)
  }
  const audience = list(env['PATCHBAY_OIDC_AUDIENCE'])
  // Without an audience, any token the issuer signs for any application would be accepted.
  if (audience.length === 0) {
    throw new TypeError('PATCHBAY_OIDC_AUDIENCE must be set when PATCHBAY_OIDC_ISSUER is')
  }
  const acceptedTypes = list(env['PATCHBAY_OIDC_ACCEPTED_TYPES'])
  const requiredScopes = (env['PATCHBAY_OIDC_REQUIRED_SCOPE'] ?? '').split(/\s+/).filter(Boolean)
  const requiredClaims: Record<string, string> = {}
  for (const pair of list(env['PATCHBAY_OIDC_REQUIRED_CLAIMS'])) {
    const at = pair.indexOf('=')
    if (at <= 0 || at === pair.length - 1) {
      throw new TypeError(
        `PATCHBAY_OIDC_REQUIRED_CLAIMS must be comma-separated name=value pairs, got "${pair}"`,
      )
    }
    requiredClaims[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
  }
  return {
    issuer,
    audience,
    accessTokens: {
      acceptedTypes: acceptedTypes.length > 0 ? acceptedTypes : ['at+jwt'],
      requiredScopes,
      requiredClaims,
    },
  }
}

function wholeNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new TypeError(`${name} must be a whole number of at least 0, got "${value}"`)
  }
  return parsed
}

function positiveNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new TypeError(`${name} must be a number above 0, got "${value}"`)
  }
  return parsed
}

function refreshScheduler(env: NodeJS.ProcessEnv): PatchbayConfig['refreshScheduler'] {
  const switched = (env['PATCHBAY_REFRESH_SCHEDULER'] ?? 'on').trim().toLowerCase()
  if (!['on', 'off', ''].includes(switched)) {
    throw new TypeError(`PATCHBAY_REFRESH_SCHEDULER must be on or off, got "${switched}"`)
  }
  const concurrency = positiveOrNull(env['PATCHBAY_REFRESH_CONCURRENCY'], 'PATCHBAY_REFRESH_CONCURRENCY') ?? 4
  const settings = {
    aheadSeconds: positiveNumber(env['PATCHBAY_REFRESH_AHEAD'], 600, 'PATCHBAY_REFRESH_AHEAD'),
    intervalMs: positiveNumber(env['PATCHBAY_REFRESH_INTERVAL_MS'], 30_000, 'PATCHBAY_REFRESH_INTERVAL_MS'),
    concurrency,
    checkIntervalSeconds: wholeNumber(env['PATCHBAY_CHECK_INTERVAL'], 86_400, 'PATCHBAY_CHECK_INTERVAL'),
  }
  // Checked even when off, so a typo shows the day it is made rather than the day it is used.
  return switched === 'off' ? null : settings
}

function positiveOrNull(value: string | undefined, name: string): number | null {
  if (value === undefined || value.trim() === '') return null
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new TypeError(`${name} must be a whole number of at least 1, got "${value}"`)
  }
  return parsed
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new TypeError(`${name} must be a port number, got "${value}"`)
  }
  return parsed
}

/** Reads the configuration from environment variables and command-line overrides. */
export function readConfig(
  env: NodeJS.ProcessEnv,
  overrides: { port?: number; host?: string; sandbox?: boolean } = {},
  cwd = process.cwd(),
): PatchbayConfig {
  const home = resolve(cwd, env['PATCHBAY_HOME'] || '.patchbay')
  const host = overrides.host ?? env['PATCHBAY_HOST'] ?? '127.0.0.1'
  const listenPort = overrides.port ?? port(env['PATCHBAY_PORT'] ?? env['PORT'], 3000, 'PATCHBAY_PORT')
  const sandboxPort = port(env['PATCHBAY_SANDBOX_PORT'], 3001, 'PATCHBAY_SANDBOX_PORT')
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  const refreshMargin = Number(env['PATCHBAY_REFRESH_MARGIN'] ?? 300)
  if (!Number.isFinite(refreshMargin) || refreshMargin < 0) {
    throw new TypeError('PATCHBAY_REFRESH_MARGIN must be a number of seconds')
  }
  const db = env['PATCHBAY_DB']?.trim() ?? ''
  const postgresUrl = /^postgres(ql)?:\/\//i.test(db) ? db : null
  // Checked now, like every other variable: a malformed URL or schema is one clear line at start.
  if (postgresUrl !== null) parsePostgresUrl(postgresUrl)
  return {
    home,
    dbPath: resolve(cwd, (postgresUrl === null && db) || resolve(home, 'patchbay.db')),
    postgresUrl,
    host,
    port: listenPort,
    publicUrl: (env['PATCHBAY_PUBLIC_URL'] || `http://${shownHost}:${listenPort}`).replace(/\/+$/, ''),
    apiKeys: list(env['PATCHBAY_API_KEY']),
    connectorsDir: resolve(cwd, env['PATCHBAY_CONNECTORS_DIR'] || 'connectors'),
    configFile: configFile(env['PATCHBAY_CONFIG'], cwd),
    sandboxUrl: env['PATCHBAY_SANDBOX_URL'] || null,
    sandboxPort,
    sandboxEnabled:
      overrides.sandbox ?? (env['PATCHBAY_SANDBOX'] !== 'off' && env['NODE_ENV'] !== 'production'),
    redirectOrigins: list(env['PATCHBAY_REDIRECT_ORIGINS']),
    refreshMargin,
    proxyRetry: {
      retries: wholeNumber(env['PATCHBAY_PROXY_RETRIES'], 3, 'PATCHBAY_PROXY_RETRIES'),
      maxTotalMs: wholeNumber(env['PATCHBAY_PROXY_RETRY_MAX_MS'], 30_000, 'PATCHBAY_PROXY_RETRY_MAX_MS'),
    },
    oidc: oidc(env),
    logLevel: logLevel(env['PATCHBAY_LOG_LEVEL']),
    webhook: readWebhookEndpoint(env),
    maxBodyBytes: positiveOrNull(env['PATCHBAY_MAX_BODY_BYTES'], 'PATCHBAY_MAX_BODY_BYTES'),
    maxProxyBodyBytes: positiveOrNull(env['PATCHBAY_MAX_PROXY_BODY_BYTES'], 'PATCHBAY_MAX_PROXY_BODY_BYTES'),
    maxImportBodyBytes: positiveOrNull(env['PATCHBAY_MAX_IMPORT_BYTES'], 'PATCHBAY_MAX_IMPORT_BYTES'),
    providerTimeoutMs: positiveOrNull(env['PATCHBAY_PROVIDER_TIMEOUT_MS'], 'PATCHBAY_PROVIDER_TIMEOUT_MS'),
    eventsRetentionDays: positiveOrNull(env['PATCHBAY_EVENTS_RETENTION_DAYS'], 'PATCHBAY_EVENTS_RETENTION_DAYS'),
    refreshScheduler: refreshScheduler(env),
    metricsToken: env['PATCHBAY_METRICS_TOKEN']?.trim() || null,
  }
}

/**
 * The database as `patchbay start` names it: the SQLite file, or the PostgreSQL URL with its
 * password left out.
 */
export function describeDatabase(config: Pick<PatchbayConfig, 'dbPath' | 'postgresUrl'>): string {
  if (config.postgresUrl === null) return config.dbPath
  if (!URL.canParse(config.postgresUrl)) return 'PostgreSQL (unparsable URL)'
  const url = new URL(config.postgresUrl)
  if (url.password) url.password = '***'
  for (const name of [...url.searchParams.keys()]) {
    if (/pass|secret|key/i.test(name)) url.searchParams.set(name, '***')
  }
  return `PostgreSQL ${url.href}`
}

const CONFIG_FILE_NAMES = ['ts', 'mts', 'js', 'mjs', 'json'].map((ext) => `patchbay.config.${ext}`)

/** `PATCHBAY_CONFIG` must name a file that exists; otherwise the first config file found in `cwd`. */
function configFile(value: string | undefined, cwd: string): string | null {
  if (value) {
    const path = resolve(cwd, value)
    if (!existsSync(path)) throw new TypeError(`PATCHBAY_CONFIG: no file at ${path}`)
    return path
  }
  const found = CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((path) => existsSync(path))
  return found ?? null
}
