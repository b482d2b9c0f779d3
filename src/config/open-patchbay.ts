import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createSandboxConnector } from '../connectors/index.js'
import type { Connector } from '../kit/index.js'
import { createPatchbay } from '../runtime/index.js'
import type { Patchbay, RuntimeEventListener } from '../runtime/index.js'
import { loadKeyRing, openSqliteStore } from '../store/index.js'
import type { PatchbayConfig } from './config.js'
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
 * Opens a runtime as configured: the SQLite store sealed with the configured (or a generated
 * development) key, the built-in sandbox connector, and the JSON connectors directory.
 */
export async function openPatchbay(
  config: PatchbayConfig,
  options: OpenOptions = {},
): Promise<Patchbay> {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`))
  const keyRing = loadKeyRing({ env: process.env, dataDir: config.home, warn })
  const store = openSqliteStore({ path: config.dbPath, keyRing })
  const connectors: Connector[] = [
    createSandboxConnector({ url: options.sandboxUrl ?? config.sandboxUrl ?? undefined }),
    ...loadConnectorFiles(config.connectorsDir),
  ]
  return createPatchbay({
    store,
    connectors,
    publicUrl: config.publicUrl,
    allowedRedirectOrigins: config.redirectOrigins,
    refreshMargin: config.refreshMargin,
    retry: config.proxyRetry,
    webhooks: webhookOptions(config, warn),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  })
}

/**
 * The API keys to accept: the configured ones, or a development key generated once into
 * `<home>/dev-api-key` (mode 0600) so it survives restarts.
 */
export function resolveApiKeys(config: PatchbayConfig): { keys: string[]; generated: string | null } {
  if (config.apiKeys.length > 0) return { keys: config.apiKeys, generated: null }
  const path = join(config.home, 'dev-api-key')
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim()
    if (key) return { keys: [key], generated: key }
  }
  mkdirSync(config.home, { recursive: true })
  const key = `pb_dev_${randomBytes(24).toString('base64url')}`
  writeFileSync(path, `${key}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
  return { keys: [key], generated: key }
}
