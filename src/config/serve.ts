import { randomBytes } from 'node:crypto'
import { PatchbayError } from '../errors.js'
import type { Patchbay } from '../runtime/index.js'
import type { Sandbox } from '../sandbox/index.js'
import { readBrand } from './brand-config.js'
import { describeDatabase, readConfig } from './config.js'
import type { PatchbayConfig } from './config.js'
import { watchConnectorSources } from './connector-watch.js'
import { openPatchbay, resolveApiKeys } from './open-patchbay.js'

// The server and the sandbox are loaded here, by the composition root, through their public
// entry points and only when asked for: the CLI imports neither (no shell imports another), and
// commands other than `start` and `spec` do not pay for their imports.

/** Command-line overrides of `patchbay start`. */
interface ServeOverrides {
  port?: number
  host?: string
  sandbox?: boolean
}

/** A running `patchbay start`: what to tell the operator, and how to stop. */
interface ServingPatchbay {
  /** Lines for the terminal: the URL, the database, the development key, the sandbox's links. */
  lines: string[]
  /** Finishes in-flight requests, then stops the sandbox and closes the runtime. */
  stop(): Promise<void>
}

async function startDevSandbox(config: PatchbayConfig): Promise<Sandbox> {
  const { startSandbox } = await import('../sandbox/index.js')
  try {
    return await startSandbox({
      port: config.sandboxPort,
      // No fixed redirect URIs: the sandbox then accepts any loopback one, which both the server's
      // callback and `patchbay connect`'s ephemeral listener are.
      clients: [
        { clientId: 'patchbay-dev', clientSecret: randomBytes(24).toString('hex'), redirectUris: [] },
      ],
    })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      throw new PatchbayError(
        'invalid_config',
        `The sandbox provider's port ${config.sandboxPort} is in use: set PATCHBAY_SANDBOX_PORT, or --no-sandbox`,
      )
    }
    throw error
  }
}

/**
 * Installs the sandbox's two integrations (OAuth 2, and API key) and returns the terminal's
 * quick-start lines: a Connect page link for both and the sandbox's API key. The link is the
 * Connect page, not a direct start URL: opening, previewing or reloading it spends nothing, so
 * it stays usable for its hour until an account is connected through it (issue 13).
 */
async function installSandboxQuickStart(patchbay: Patchbay, sandbox: Sandbox): Promise<string[]> {
  const client = sandbox.defaultClient
  await patchbay.integrations.put({
    id: 'sandbox',
    connectorId: 'sandbox',
    clientId: client.clientId,
    clientSecret: client.clientSecret,
  })
  await patchbay.integrations.put({ id: 'sandbox-api-key', connectorId: 'sandbox-api-key' })
  const session = await patchbay.connectSessions.create(['sandbox', 'sandbox-api-key'], {
    ttl: 3600,
  })
  return [
    `Sandbox provider: ${sandbox.url}`,
    `Sandbox API key (for the "Sandbox (API key)" form): ${sandbox.apiKey}`,
    `Connect a sandbox account (reloadable for an hour, until an account is connected): ${session.url}`,
  ]
}

/**
 * Runs the HTTP server as configured by the environment and `overrides`: the runtime, its
 * outgoing webhooks' worker, and in development the sandbox provider with its integration and a
 * connect link.
 */
export async function servePatchbay(
  env: NodeJS.ProcessEnv,
  overrides: ServeOverrides = {},
): Promise<ServingPatchbay> {
  const requested = readConfig(env, overrides)
  const { createLogger, createOidcVerifier, createServerApp, listen, parseBrand } = await import(
    '../server/index.js'
  )
  // Listen first, so that with `--port 0` the public URL, the sandbox's redirect URI and the
  // connect link carry the port actually picked.
  let app: { fetch(request: Request): Response | Promise<Response> } | undefined
  const server = await listen(
    { fetch: (request) => (app ? app.fetch(request) : new Response('Starting', { status: 503 })) },
    { port: requested.port, host: requested.host },
  )
  const config = readConfig(env, { ...overrides, port: server.port })
  let sandbox: Sandbox | null = null
  let patchbay: Patchbay
  try {
    sandbox = config.sandboxEnabled ? await startDevSandbox(config) : null
    patchbay = await openPatchbay(config, sandbox ? { sandboxUrl: sandbox.url } : {})
  } catch (error) {
    await sandbox?.close()
    await server.close()
    throw error
  }
  const { keys, generated } = await resolveApiKeys(config, (message) =>
    process.stderr.write(`warning: ${message}\n`),
  )
  let brand
  try {
    brand = parseBrand(await readBrand(env, config.configFile))
  } catch (error) {
    await sandbox?.close()
    await server.close()
    await patchbay.close()
    if (error instanceof TypeError) throw new PatchbayError('invalid_config', error.message)
    throw error
  }
  app = createServerApp({
    brand,
    patchbay,
    apiKeys: keys,
    logger: createLogger({ level: config.logLevel }),
    limits: {
      ...(config.maxBodyBytes === null ? {} : { bodyBytes: config.maxBodyBytes }),
      ...(config.maxProxyBodyBytes === null ? {} : { proxyBytes: config.maxProxyBodyBytes }),
      ...(config.maxImportBodyBytes === null ? {} : { importBytes: config.maxImportBodyBytes }),
    },
    ...(config.oidc ? { oidc: createOidcVerifier({ ...config.oidc, discovery: patchbay.oidc }) } : {}),
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
  })
  patchbay.webhooks.start()
  if (config.refreshScheduler) patchbay.scheduler.start(config.refreshScheduler)
  // `patchbay connectors add` (or an edited file) reaches this server without a restart.
  const connectorWatcher = watchConnectorSources(
    { dir: config.connectorsDir, configFile: config.configFile },
    {
      onLoad: (connectors) => {
        for (const connector of connectors) patchbay.connectors.register(connector)
      },
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
    },
  )
  const lines = [`Patchbay listening on ${server.url}`, `Database: ${describeDatabase(config)}`]
  lines.push(
    config.refreshScheduler
      ? `Background refresh: ${config.refreshScheduler.aheadSeconds} s ahead of expiry, every ${config.refreshScheduler.intervalMs} ms`
      : 'Background refresh: off (PATCHBAY_REFRESH_SCHEDULER=off)',
  )
  if (generated) lines.push(`Development API key: ${generated}  (set PATCHBAY_API_KEY in production)`)
  lines.push(`Dashboard: ${server.url}/`)
  if (sandbox) lines.push(...(await installSandboxQuickStart(patchbay, sandbox)))
  return {
    lines,
    async stop() {
      connectorWatcher.close()
      await server.close()
      await sandbox?.close()
      await patchbay.close()
    },
  }
}

/** The HTTP API's OpenAPI 3.1 document, as `GET /openapi.json` serves it. */
export async function openApiDocument(config: PatchbayConfig): Promise<object> {
  const { buildOpenApiDocument } = await import('../server/index.js')
  return buildOpenApiDocument({ serverUrl: config.publicUrl })
}
