import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createSandboxApiKeyConnector,
  createSandboxConnector,
  messageConnectors,
} from '../connectors/index.js'
import { connectorFromJson } from '../kit/index.js'
import type { Connector } from '../kit/index.js'
import { createConnectorCatalog, createPatchbay } from '../runtime/index.js'
import type { ConnectorCatalog, Patchbay, RuntimeEventListener } from '../runtime/index.js'
import type { PatchbayConfig } from './config.js'
import { loadCatalogue } from './catalogue.js'
import { describeLoadProblem, loadConnectorSources } from './connector-files.js'
import { webhookOptions } from './webhook-config.js'

// The store (and better-sqlite3 with it) is imported when a command opens it, not before: `info`
// and a call with inline credentials never do (issue 9).
const loadStore = () => import('../store/index.js')

const toStderr = (message: string) => process.stderr.write(`warning: ${message}\n`)

/**
 * The built-in connectors (the sandbox, the messaging ones), then the connectors directory's and
 * the config file's. A broken connector source is reported through `warn` and skipped.
 */
export async function configuredConnectors(
  config: PatchbayConfig,
  sandboxUrl: string | undefined,
  warn: (message: string) => void = toStderr,
): Promise<Connector[]> {
  const loaded = await loadConnectorSources({ dir: config.connectorsDir, configFile: config.configFile })
  for (const problem of loaded.problems) warn(describeLoadProblem(problem))
  const sandbox = { url: sandboxUrl ?? config.sandboxUrl ?? undefined }
  return [
    createSandboxConnector(sandbox),
    createSandboxApiKeyConnector(sandbox),
    ...messageConnectors(),
    ...loaded.connectors,
  ]
}

/**
 * The configured connectors without the store: built in, from the connectors directory, and
 * those stored in the database when it exists (read-only; no key ring, no migration). Nothing is
 * created or written, so `patchbay info` and an inline `patchbay call` leave no database behind.
 */
export async function openCatalog(config: PatchbayConfig): Promise<ConnectorCatalog> {
  const definitions =
    config.postgresUrl !== null
      ? await (await loadStore()).readStoredPostgresConnectors(config.postgresUrl)
      : existsSync(config.dbPath)
        ? (await loadStore()).readStoredConnectors(config.dbPath)
        : []
  const stored = definitions.map((json) => connectorFromJson(json))
  return createConnectorCatalog({
    connectors: [...stored, ...(await configuredConnectors(config, undefined))],
    catalogue: loadCatalogue(),
    logoUrl: (id) => `${config.publicUrl}/connectors/${encodeURIComponent(id)}/logo`,
    ...(config.providerTimeoutMs === null ? {} : { providerTimeoutMs: config.providerTimeoutMs }),
  })
}

interface OpenOptions {
  /** Where warnings go (generated development keys); stderr by default. */
  warn?: (message: string) => void
  /** The sandbox URL the sandbox connector points at, when a sandbox runs in this process. */
  sandboxUrl?: string
  onEvent?: RuntimeEventListener
  /** Connectors beside the configured ones (`patchbay dev`'s connector, loaded from its source). */
  connectors?: Connector[]
}

/**
 * Opens a runtime as configured: the store (SQLite, or PostgreSQL when `PATCHBAY_DB` is a
 * postgres:// URL) sealed with the configured (or a generated development) key, the built-in
 * sandbox and message connectors, the JSON connectors directory, and the catalogue of provider
 * declarations (`catalogue/`, registered on first use).
 */
export async function openPatchbay(
  config: PatchbayConfig,
  options: OpenOptions = {},
): Promise<Patchbay> {
  const warn = options.warn ?? toStderr
  const connectors = [...(await configuredConnectors(config, options.sandboxUrl, warn)), ...(options.connectors ?? [])]
  const { loadKeyRing, looseModeWarning, openPostgresStore, openSqliteStore } = await loadStore()
  const looseHome = looseModeWarning(config.home, 'the Patchbay data directory')
  if (looseHome) warn(looseHome)
  const keyRing = loadKeyRing({ env: process.env, dataDir: config.home, warn })
  const store =
    config.postgresUrl === null
      ? openSqliteStore({ path: config.dbPath, keyRing, warn })
      : await openPostgresStore({ url: config.postgresUrl, keyRing })
  return createPatchbay({
    store,
    connectors,
    catalogue: loadCatalogue(),
    publicUrl: config.publicUrl,
    allowedRedirectOrigins: config.redirectOrigins,
    refreshMargin: config.refreshMargin,
    retry: config.proxyRetry,
    ...(config.providerTimeoutMs === null ? {} : { providerTimeoutMs: config.providerTimeoutMs }),
    webhooks: webhookOptions(config, warn),
    ...(config.eventsRetentionDays === null ? {} : { eventLog: { retentionDays: config.eventsRetentionDays } }),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  })
}

/**
 * The API keys to accept: the configured ones, or a development key generated once into
 * `<home>/dev-api-key` (mode 0600, in a 0700 directory) so it survives restarts.
 */
export async function resolveApiKeys(
  config: PatchbayConfig,
  warn: (message: string) => void = () => {},
): Promise<{ keys: string[]; generated: string | null }> {
  if (config.apiKeys.length > 0) return { keys: config.apiKeys, generated: null }
  const { ensurePrivateDir, ensurePrivateFile, looseModeWarning } = await loadStore()
  const path = join(config.home, 'dev-api-key')
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim()
    if (key) {
      const loose = looseModeWarning(path, 'the development API key file')
      if (loose) warn(loose)
      return { keys: [key], generated: key }
    }
  }
  ensurePrivateDir(config.home)
  const key = `pb_dev_${randomBytes(24).toString('base64url')}`
  if (!ensurePrivateFile(path, `${key}\n`)) {
    // Another process made it between our look and now (or it was empty): use what is there.
    const existing = readFileSync(path, 'utf8').trim()
    if (existing) return { keys: [existing], generated: existing }
    writeFileSync(path, `${key}\n`)
  }
  return { keys: [key], generated: key }
}
