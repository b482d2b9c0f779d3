import { randomBytes } from 'node:crypto'
import type { Command } from 'commander'
import { PatchbayError } from '../errors.js'
import { openPatchbay, readConfig, resolveApiKeys } from '../config/index.js'
import type { PatchbayConfig } from '../config/index.js'
import { startSandbox } from '../sandbox/index.js'
import type { Sandbox } from '../sandbox/index.js'
import { createServerApp, listen } from '../server/index.js'
import { fail } from './output.js'

interface StartFlags {
  port?: string
  host?: string
  sandbox?: boolean
}

async function startDevSandbox(config: PatchbayConfig): Promise<Sandbox> {
  const redirectUri = `${config.publicUrl}/auth/sandbox/callback`
  try {
    return await startSandbox({
      port: config.sandboxPort,
      clients: [
        { clientId: 'patchbay-dev', clientSecret: randomBytes(24).toString('hex'), redirectUris: [redirectUri] },
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
        const config = readConfig(process.env, {
          ...(flags.port !== undefined ? { port: Number(flags.port) } : {}),
          ...(flags.host ? { host: flags.host } : {}),
          ...(flags.sandbox === false ? { sandbox: false } : {}),
        })
        const sandbox = config.sandboxEnabled ? await startDevSandbox(config) : null
        const patchbay = await openPatchbay(config, sandbox ? { sandboxUrl: sandbox.url } : {})
        const { keys, generated } = resolveApiKeys(config)
        const server = await listen(createServerApp({ patchbay, apiKeys: keys }), {
          port: config.port,
          host: config.host,
        })
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
        fail(error, 'cli:start')
      }
    })
}
