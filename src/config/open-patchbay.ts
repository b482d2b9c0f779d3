import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createSandboxConnector, messageConnectors } from '../connectors/index.js'
import type { Connector } from '../kit/index.js'
import { createPatchbay } from '../runtime/index.js'
import type { Patchbay, RuntimeEventListener } from '../runtime/index.js'
import {
  ensurePrivateDir,
  ensurePrivateFile,
  loadKeyRing,
  looseModeWarning,
  openPostgresStore,
  openSqliteStore,
} from '../store/index.js'
import type { PatchbayConfig } from './config.js'
import { loadCatalogue } from './catalogue.js'
import { loadConnectorFiles } from './connector-files.js'
import { webhookOptions } from './webhook-config.js'

interface OpenOptions {
  /** Where warnings go (generated development keys); stderr by default. */
  warn?: (message: string) => void
  /** The sandbox URL the sandbox connector points at, when a sandbox runs in this process. */
  sandboxUrl?: string
  onEvent?: RuntimeEventListener
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
  const warn = options.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`))
  const looseHome = looseModeWarning(config.home, 'the Patchbay data directory')
  if (looseHome) warn(looseHome)
  const keyRing = loadKeyRing({ env: process.env, dataDir: config.home, warn })
  const store =
    config.postgresUrl === null
      ? openSqliteStore({ path: config.dbPath, keyRing, warn })
      : await openPostgresStore({ url: config.postgresUrl, keyRing })
  const connectors: Connector[] = [
    createSandboxConnector({ url: options.sandboxUrl ?? config.sandboxUrl ?? undefined }),
    ...messageConnectors(),
    ...loadConnectorFiles(config.connectorsDir),
  ]
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
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  })
}

/**
 * The API keys to accept: the configured ones, or a development key generated once into
 * `<home>/dev-api-key` (mode 0600, in a 0700 directory) so it survives restarts.
 */
export function resolveApiKeys(
  config: PatchbayConfig,
  warn: (message: string) => void = () => {},
): { keys: string[]; generated: string | null } {
  if (config.apiKeys.length > 0) return { keys: config.apiKeys, generated: null }
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
