import { createAdaptorServer } from '@hono/node-server'
import type { Http2Bindings, HttpBindings } from '@hono/node-server'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { lingerOnEarlyClose } from './lingering-close.js'
import { rememberNodeExchange } from './node-exchange.js'
import { rememberRawTarget } from './raw-target.js'

export interface RunningServer {
  url: string
  port: number
  /**
   * Stops accepting connections and resolves once in-flight requests have finished. Idle
   * keep-alive connections are closed at once, busy ones as soon as their response is sent;
   * after `closeTimeoutMs` the remaining ones are cut.
   */
  close(): Promise<void>
}

/** Anything with a Web-standard `fetch` handler, such as a Hono app. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>
}

/** Options of {@link listen}. */
export interface ListenOptions {
  port: number
  host: string
  /** How long `close()` waits for in-flight requests before cutting them, in ms. Default 10 000. */
  closeTimeoutMs?: number
}

/** Serves a handler on a Node HTTP server. Port 0 picks a free one. */
export async function listen(app: FetchHandler, options: ListenOptions): Promise<RunningServer> {
  const server = createAdaptorServer({
    fetch: (request: Request, env: HttpBindings | Http2Bindings) => {
      // The target as sent: the proxy refuses `/proxy/../x`, which the parsed URL shows as `/x`.
      rememberRawTarget(request, env.incoming.url)
      // The proxy streams on the Node objects themselves (see proxy-route.ts).
      rememberNodeExchange(request, {
        incoming: env.incoming as IncomingMessage,
        outgoing: env.outgoing as ServerResponse,
      })
      return app.fetch(request)
    },
  }) as Server
  lingerOnEarlyClose(server)
  let closing: Promise<void> | null = null
  server.on('request', (_request, response) => {
    // A keep-alive connection would otherwise stay open, idle, until its timeout after the
    // last in-flight response; close it as soon as that response is sent.
    response.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections())
    })
    if (closing && !response.headersSent) response.setHeader('Connection', 'close')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timeoutMs = options.closeTimeoutMs ?? 10_000
        const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs)
        deadline.unref()
        server.close(() => {
          clearTimeout(deadline)
          resolve()
        })
        server.closeIdleConnections()
      })
      return closing
    },
  }
}
