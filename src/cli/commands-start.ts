import { randomBytes } from 'node:crypto'
import type { Command } from 'commander'
import { isPatchbayError, PatchbayError } from '../errors.js'
import { openPatchbay, readConfig, resolveApiKeys } from '../config/index.js'
import type { PatchbayConfig, PatchbayWithWebhooks } from '../config/index.js'
import { startSandbox } from '../sandbox/index.js'
import type { Sandbox } from '../sandbox/index.js'
import type { FetchHandler } from '../server/index.js'
import { EXIT, fail } from './output.js'

interface StartFlags {
  port?: string
  host?: string
  sandbox?: boolean
}

async function startDevSandbox(config: PatchbayConfig): Promise<Sandbox> {
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

/** `start`: the HTTP server, with the sandbox provider and its integration in development. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the HTTP server (SQLite at ./.patchbay/patchbay.db, sandbox provider in development)')
    .option('--port <port>', 'port to listen on (default 3000, or PATCHBAY_PORT)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--no-sandbox', 'do not run the built-in sandbox provider')
    .action(async (flags: StartFlags) => {
      try {
        const overrides = {
          ...(flags.port !== undefined ? { port: Number(flags.port) } : {}),
          ...(flags.host ? { host: flags.host } : {}),
          ...(flags.sandbox === false ? { sandbox: false } : {}),
        }
        const requested = readConfig(process.env, overrides)
        // Loaded here, not at the top: every other command would pay for the server's imports.
        const { createLogger, createOidcVerifier, createServerApp, listen } = await import(
          '../server/index.js'
        )
        // Listen first, so that with `--port 0` the public URL, the sandbox's redirect URI and the
        // connect link carry the port actually picked.
        let app: FetchHandler | undefined
        const server = await listen(
          { fetch: (request) => (app ? app.fetch(request) : new Response('Starting', { status: 503 })) },
          { port: requested.port, host: requested.host },
        )
        const config = readConfig(process.env, { ...overrides, port: server.port })
        let sandbox: Sandbox | null = null
        let patchbay: PatchbayWithWebhooks
        try {
          sandbox = config.sandboxEnabled ? await startDevSandbox(config) : null
          patchbay = await openPatchbay(config, sandbox ? { sandboxUrl: sandbox.url } : {})
        } catch (error) {
          await sandbox?.close()
          await server.close()
          throw error
        }
        const { keys, generated } = resolveApiKeys(config, (message) =>
          process.stderr.write(`warning: ${message}\n`),
        )
        const logger = createLogger({ level: config.logLevel })
        app = createServerApp({
          patchbay,
          webhooks: patchbay.webhooks,
          apiKeys: keys,
          logger,
          ...(config.oidc ? { oidc: createOidcVerifier(config.oidc) } : {}),
        })
        patchbay.webhooks.start()
        const lines = [`Patchbay listening on ${server.url}`, `Database: ${config.dbPath}`]
        if (generated) lines.push(`Development API key: ${generated}  (set PATCHBAY_API_KEY in production)`)
        if (sandbox) {
          const client = sandbox.defaultClient
          await patchbay.integrations.put({
            id: 'sandbox',
            connectorId: 'sandbox',
            clientId: client.clientId,
            clientSecret: client.clientSecret,
          })
          const session = await patchbay.connectSessions.create('sandbox', { ttl: 3600 })
          lines.push(`Sandbox provider: ${sandbox.url}`)
          lines.push(`Connect a sandbox account (valid one hour, once): ${session.url}`)
        }
        process.stdout.write(`${lines.join('\n')}\n`)

        let stopping = false
        const stop = async () => {
          if (stopping) return
          stopping = true
          process.stdout.write('Shutting down: finishing in-flight requests\n')
          await server.close()
          await sandbox?.close()
          await patchbay.close()
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      } catch (error) {
        if (isPatchbayError(error, 'invalid_config')) {
          // A configuration the server cannot run with (an encryption key missing for the
          // database, a broken connector file): one line for the supervisor's log, no stack, and
          // exit 2, which a supervisor can be told not to restart on (RestartPreventExitStatus=2).
          process.stderr.write(`patchbay start: ${error.message}\n`)
          process.exitCode = EXIT.badInput
          return
        }
        fail(error, 'cli:start')
      }
    })
}
