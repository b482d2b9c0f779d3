import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isPatchbayError, PatchbayError } from '../errors.js'
import { PAGE_CSP, PAGE_SECURITY_HEADERS, RESULT_PAGE_CSS, resultPage } from '../kit/index.js'
import type { JsonObject } from '../kit/index.js'
import { connectionView } from '../runtime/index.js'
import type { Patchbay } from '../runtime/index.js'
import { openRuntime } from './open-runtime.js'
import { fail, printResponse } from './output.js'

/** A stored connection, as the runtime hands it out. */
type Connection = Awaited<ReturnType<Patchbay['connections']['refresh']>>

/** The flags of `connect`. */
export interface ConnectFlags {
  connection?: string
  port?: string
  open?: boolean
  timeout?: string
}

/** Opens a URL in the desktop's browser when there is a desktop; says nothing otherwise. */
function openInBrowser(url: string): void {
  const hasDesktop =
    process.platform === 'darwin' ||
    process.platform === 'win32' ||
    Boolean(process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY'])
  if (!hasDesktop) return
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  const child = spawn(command, [url], { stdio: 'ignore', detached: true })
  child.on('error', () => undefined)
  child.unref()
}

// The callback page looks like the server's result pages, under the same CSP but for its
// stylesheet: the listener closes as soon as it has answered, so the style is in the page and
// the CSP allows exactly that style by its hash (still no inline script, no other style).
const STYLE_HASH = `'sha256-${createHash('sha256').update(RESULT_PAGE_CSS).digest('base64')}'`
const PAGE_HEADERS = {
  ...PAGE_SECURITY_HEADERS,
  'Content-Security-Policy': PAGE_CSP.replace("style-src 'self'", `style-src ${STYLE_HASH}`),
  'content-type': 'text/html; charset=utf-8',
}

const page = (title: string, message: string, ok: boolean, notes: string[] = []) =>
  resultPage({ title, message, ok, notes, stylesheet: 'inline' })

/** The name of the service an integration connects, for the page; the integration id if unknown. */
async function serviceName(runtime: Patchbay, integration: string): Promise<string> {
  const stored = await runtime.integrations.get(integration)
  return (stored && runtime.connectors.find(stored.connectorId)?.name) || integration
}

/**
 * `connect <integration>`: the OAuth flow from a terminal. A loopback listener receives the
 * callback, so nothing has to be registered but a loopback redirect URI at the provider.
 */
export async function connect(integration: string, flags: ConnectFlags): Promise<void> {
  let patchbay: Patchbay | undefined
  try {
    patchbay = await openRuntime()
    const connection = await authorizeFromTerminal(patchbay, integration, flags)
    printResponse(connectionView(connection))
  } catch (error) {
    fail(error, 'cli:connect')
  } finally {
    await patchbay?.close()
  }
}

/**
 * The OAuth flow from a terminal on an open runtime (`connect`, and `dev` when its connector has
 * no tokens yet): prints the authorization URL, opens it on a desktop, waits for the callback.
 * @returns the stored connection
 */
export async function authorizeFromTerminal(
  runtime: Patchbay,
  integration: string,
  flags: ConnectFlags,
  settings?: JsonObject,
): Promise<Connection> {
  const listener = createServer()
  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject)
      listener.listen(Number(flags.port ?? 0), '127.0.0.1', () => resolve())
    })
    const { port } = listener.address() as AddressInfo
    const redirectUri = `http://127.0.0.1:${port}/callback`
    const service = await serviceName(runtime, integration)
    const start = await runtime.beginAuthorization(integration, {
      redirectUri,
      ...(flags.connection ? { connectionId: flags.connection } : {}),
      ...(settings ? { settings } : {}),
    })
    const done = new Promise<Awaited<ReturnType<Patchbay['completeAuthorization']>>>(
      (resolve, reject) => {
        listener.on('request', (req, res) => {
          const url = new URL(req.url ?? '/', redirectUri)
          if (url.pathname !== '/callback') {
            res.writeHead(404).end()
            return
          }
          // The flow's binding never leaves this process: only the callback of the flow it
          // started can finish, and a stray request to the port is answered without
          // ending the wait.
          runtime.completeAuthorization(integration, url.searchParams, (key) =>
            key === start.state ? start.binding : undefined,
          ).then(
            (result) => {
              res.writeHead(result.ok ? 200 : 400, PAGE_HEADERS)
              const account = result.ok ? result.connection.accountName : null
              res.end(
                result.ok
                  ? page(
                      `Connected to ${service}`,
                      `Connected to ${service}${account ? ` as ${account}` : ''}.`,
                      true,
                      ['You can close this window and return to the terminal.'],
                    )
                  : page(`Connecting ${service} failed`, 'See the terminal for details.', false),
              )
              resolve(result)
            },
            (error: unknown) => {
              res.writeHead(400, PAGE_HEADERS)
              if (isPatchbayError(error, 'state_mismatch')) {
                res.end(
                  page(
                    'Not this flow',
                    'This callback does not belong to the running connect command.',
                    false,
                  ),
                )
                return
              }
              res.end(page(`Connecting ${service} failed`, 'See the terminal for details.', false))
              reject(error)
            },
          )
        })
      },
    )
    process.stderr.write(`Open this URL to authorize ${integration}:\n${start.url}\n`)
    if (flags.open !== false) openInBrowser(start.url)
    const seconds = Number(flags.timeout ?? 300)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PatchbayError('timeout', `No callback within ${seconds} seconds`)),
        seconds * 1000,
      )
    })
    const result = await Promise.race([done, timeout]).finally(() => clearTimeout(timer))
    if (!result.ok) throw result.error
    process.stderr.write(`Connected as ${result.connection.accountName ?? '(unnamed account)'}\n`)
    return result.connection
  } finally {
    listener.close()
    listener.closeAllConnections()
  }
}
