import { resolve } from 'node:path'

/** Everything Patchbay reads from its environment, resolved once. */
export interface PatchbayConfig {
  /** Where development files live (database, generated keys): `PATCHBAY_HOME`, `./.patchbay`. */
  home: string
  /** `PATCHBAY_DB`, or `<home>/patchbay.db`. */
  dbPath: string
  host: string
  port: number
  /** `PATCHBAY_PUBLIC_URL`, or the listen address. */
  publicUrl: string
  /** `PATCHBAY_API_KEY`, comma-separated for several; empty means generate a dev key. */
  apiKeys: string[]
  /** `PATCHBAY_CONNECTORS_DIR`, or `./connectors`: JSON connector files loaded at start. */
  connectorsDir: string
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
  return {
    home,
    dbPath: resolve(cwd, env['PATCHBAY_DB'] || resolve(home, 'patchbay.db')),
    host,
    port: listenPort,
    publicUrl: (env['PATCHBAY_PUBLIC_URL'] || `http://${shownHost}:${listenPort}`).replace(/\/+$/, ''),
    apiKeys: list(env['PATCHBAY_API_KEY']),
    connectorsDir: resolve(cwd, env['PATCHBAY_CONNECTORS_DIR'] || 'connectors'),
    sandboxUrl: env['PATCHBAY_SANDBOX_URL'] || null,
    sandboxPort,
    sandboxEnabled:
      overrides.sandbox ?? (env['PATCHBAY_SANDBOX'] !== 'off' && env['NODE_ENV'] !== 'production'),
    redirectOrigins: list(env['PATCHBAY_REDIRECT_ORIGINS']),
    refreshMargin,
  }
}
