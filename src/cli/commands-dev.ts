import { readdirSync, statSync, watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import {
  devConfigFor,
  devConnection,
  findConnectorEntry,
  loadDevConnector,
  needsBrowserFlow,
  openDevRuntime,
  readDevConfig,
} from '../config/index.js'
import { isPatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { errorEnvelope } from '../runtime/index.js'
import type { Envelope, Patchbay } from '../runtime/index.js'
import { authorizeFromTerminal } from './commands-connect.js'
import { EXIT, fail, readJsonArgument } from './output.js'

/** The flags of `dev`. */
export interface DevFlags {
  json?: string
  watch?: boolean
  open?: boolean
  port?: string
  timeout?: string
}

// What changes under these does not touch the connector's source.
const IGNORED = ['.patchbay', 'node_modules', 'dist', '.git']

const note = (message: string) => process.stderr.write(`dev: ${message}\n`)

/**
 * Watches a directory and every directory below it but the ignored ones, each with its own
 * watcher set up before this returns (Node 20's recursive watch on Linux adds its
 * subdirectories later, missing the first saves). A directory made later is watched as it appears.
 */
function watchTree(root: string, onChange: (path: string) => void): { close(): void } {
  const watchers = new Map<string, FSWatcher>()
  const add = (dir: string) => {
    if (watchers.has(dir)) return
    try {
      const watcher = watch(dir, (_event, file) => {
        const path = join(dir, String(file ?? ''))
        if (IGNORED.includes(String(file ?? ''))) return
        if (isDirectory(path)) add(path)
        onChange(path)
      })
      watcher.on('error', () => {
        watcher.close()
        watchers.delete(dir)
      })
      watchers.set(dir, watcher)
    } catch {
      return
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !IGNORED.includes(entry.name)) add(join(dir, entry.name))
    }
  }
  add(root)
  return {
    close() {
      for (const watcher of watchers.values()) watcher.close()
    },
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** One envelope a run: indented on a terminal, one line each when piped (JSON Lines). */
function printEnvelope(envelope: Envelope): void {
  process.stdout.write(`${process.stdout.isTTY ? JSON.stringify(envelope, null, 2) : JSON.stringify(envelope)}\n`)
}

/**
 * `dev <dir> [capability]`: runs a connector from its source with `patchbay.dev.json` (settings
 * and auth fields, Cozy's `fields`, a stored connection, or an OAuth client so the flow runs
 * here), through a connection in a dev database of its own so expired tokens are refreshed, and
 * runs the capability again each time a source file changes (unless `--no-watch`).
 */
export async function dev(dirArgument: string, capabilityArgument: string | undefined, flags: DevFlags): Promise<void> {
  const dir = resolve(dirArgument)
  let runtime: Patchbay | undefined
  let watcher: { close(): void } | undefined
  try {
    const raw = readDevConfig(dir)
    const entry = findConnectorEntry(dir, raw.entry)
    let connector = await loadDevConnector(dir, entry)
    const config = devConfigFor(raw, connector)
    const request: JsonValue =
      flags.json === undefined ? config.request : ((await readJsonArgument(flags.json)) as JsonValue)
    const capability = capabilityArgument ?? config.capability ?? 'validate_credentials'
    note(`${connector.name} (${connector.id}) from ${relative(dir, entry)}`)
    runtime = await openDevRuntime(dir, connector, (message) => note(message))
    const open = runtime
    const authorize = (integration: string, connectionId: string) =>
      authorizeFromTerminal(
        open,
        integration,
        {
          connection: connectionId,
          ...(flags.open === undefined ? {} : { open: flags.open }),
          ...(flags.port === undefined ? {} : { port: flags.port }),
          ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
        },
        config.settings,
      )
    const connectionId = await devConnection(dir, open, connector, config, authorize)
    note(`connection ${connectionId}`)

    const run = async (): Promise<Envelope> => {
      let envelope = await open.connection(connectionId).call(capability, { request })
      // A refresh token the provider no longer takes: sign in again here rather than ask for new tokens.
      if (envelope.error?.code === 'needs_reauth' && needsBrowserFlow(connector) && config.oauth !== null) {
        note('the provider wants a new sign-in')
        await authorize(`${connector.id}-dev`, connectionId)
        envelope = await open.connection(connectionId).call(capability, { request })
      }
      printEnvelope(envelope)
      return envelope
    }

    const first = await run()
    if (flags.watch === false) {
      process.exitCode = first.error ? (first.error.code === 'bad_request' ? EXIT.badInput : EXIT.connectorError) : EXIT.ok
      return
    }
    let timer: NodeJS.Timeout | undefined
    let queue: Promise<void> = Promise.resolve()
    const reload = (changed: string) => {
      queue = queue.then(async () => {
        try {
          connector = await loadDevConnector(dir, entry)
          open.connectors.register(connector)
          note(`${changed} changed: reloaded, running ${capability}`)
          await run()
        } catch (error) {
          // A half-saved file: say what is wrong and keep watching.
          if (isPatchbayError(error)) note(`not reloaded: ${error.message}`)
          else printEnvelope(errorEnvelope(error, `${connector.id}:${capability}`))
        }
      })
    }
    watcher = watchTree(dir, (changed) => {
      clearTimeout(timer)
      timer = setTimeout(() => reload(relative(dir, changed)), 150)
    })
    note(`watching ${dir} for changes; Ctrl-C to stop`)
    await new Promise<void>((stop) => {
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    clearTimeout(timer)
    await queue
    process.exitCode = EXIT.ok
  } catch (error) {
    fail(error, 'cli:dev')
  } finally {
    watcher?.close()
    await runtime?.close()
  }
}
