import { createAdaptorServer } from '@hono/node-server'
import type { AddressInfo } from 'node:net'

export interface RunningServer {
  url: string
  port: number
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>
}

/** Anything with a Web-standard `fetch` handler, such as a Hono app. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>
}

/** Serves a handler on a Node HTTP server. Port 0 picks a free one. */
export async function listen(app: FetchHandler, options: { port: number; host: string }): Promise<RunningServer> {
  const server = createAdaptorServer({ fetch: (request: Request) => app.fetch(request) })
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      }),
  }
}
