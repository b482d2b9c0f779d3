import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as the upstream saw it arrive. */
export interface Arrival {
  method: string
  /** The request target as received, e.g. `/base/things?a=1`. */
  url: string
  headers: IncomingMessage['headers']
  /** Epoch milliseconds when the request's head arrived. */
  at: number
}

/** A canned answer for the next request to a scripted path. */
export interface Scripted {
  status: number
  headers?: Record<string, string>
  body?: string
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/**
 * A small provider on loopback for what the sandbox cannot play: scripted failures (503/429 with
 * Retry-After, answered in order, then 200), and custom handlers for streaming. Every arrival is
 * recorded.
 */
export async function startUpstream() {
  const arrivals: Arrival[] = []
  const scripts = new Map<string, Scripted[]>()
  const handlers = new Map<string, Handler>()
  const server = createServer(async (req, res) => {
    const at = Date.now()
    arrivals.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at })
    const pathname = new URL(req.url ?? '/', 'http://upstream').pathname
    const handler = handlers.get(pathname)
    if (handler) return handler(req, res)
    const next = scripts.get(pathname)?.shift()
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (next) {
      res.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers })
      res.end(next.body ?? `scripted ${next.status}`)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    const body = Buffer.concat(chunks).toString('utf8')
    res.end(JSON.stringify({ ok: true, path: pathname, body }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    arrivals,
    /** Answers the next requests to `pathname` with these, in order; then 200 again. */
    script(pathname: string, answers: Scripted[]) {
      scripts.set(pathname, [...answers])
    },
    /** Lets a test answer `pathname` itself. */
    handle(pathname: string, handler: Handler) {
      handlers.set(pathname, handler)
    },
    reset() {
      arrivals.splice(0)
      scripts.clear()
      handlers.clear()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

export type Upstream = Awaited<ReturnType<typeof startUpstream>>
