import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Exchange, UnexpectedRequest } from './exchange.js'
import { mismatch } from './match.js'
import type { ArrivedRequest } from './match.js'

/** The header {@link replayFetch} puts the provider's origin in (`https://api.github.com`). */
export const REPLAY_ORIGIN_HEADER = 'x-replay-origin'

/** The status an unexpected request gets: no provider uses it, so it cannot pass for an answer. */
export const UNEXPECTED_STATUS = 599

/** A running replay server (see {@link startReplayServer}). */
export interface ReplayServer {
  /** The loopback origin it listens on, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** Every request that matched no recorded exchange, in arrival order. */
  readonly unexpected: readonly UnexpectedRequest[]
  /** The recorded exchanges no request has used yet. */
  readonly remaining: readonly Exchange[]
  /**
   * Throws, listing them, when a request was unexpected or a recorded exchange was not used:
   * call it at the end of each test so a test cannot pass on a conversation that did not happen.
   */
  assertDone(): void
  close(): Promise<void>
}

export interface ReplayServerOptions {
  /** Default 127.0.0.1. */
  host?: string
}

/** Reads a body whole: recorded requests are small. */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function arrivedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === REPLAY_ORIGIN_HEADER || value === undefined) continue
    headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

function send(res: ServerResponse, exchange: Exchange): void {
  const { status, headers = {}, body } = exchange.response
  const names = Object.keys(headers).map((name) => name.toLowerCase())
  const text =
    body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body)
  const json = body !== undefined && body !== null && typeof body !== 'string'
  res.writeHead(status, {
    ...(json && !names.includes('content-type') ? { 'content-type': 'application/json' } : {}),
    ...headers,
  })
  res.end(text)
}

/**
 * Starts a provider replay server on loopback. Requests must arrive in the recorded order, each
 * matching the next exchange by method and full original URL (and its recorded header values
 * and body); the match gets the recorded response. Anything else is answered 599 with a message
 * naming what was expected, and recorded in `unexpected`, so `assertDone()` fails the test, as
 * it does when an exchange is left unused. Pair it with {@link replayFetch}.
 * @example
 * const server = await startReplayServer([{
 *   request: { method: 'GET', url: 'https://api.github.com/user' },
 *   response: { status: 200, body: { id: 1, login: 'octocat' } },
 * }])
 * const res = await replayFetch(server)('https://api.github.com/user')
 * server.assertDone()
 * await server.close()
 */
export async function startReplayServer(
  exchanges: readonly Exchange[],
  options: ReplayServerOptions = {},
): Promise<ReplayServer> {
  const recorded = structuredClone([...exchanges])
  let next = 0
  const unexpected: UnexpectedRequest[] = []

  const server = createServer((req, res) => {
    void (async () => {
      const origin = req.headers[REPLAY_ORIGIN_HEADER]
      const arrived: ArrivedRequest = {
        method: req.method ?? 'GET',
        url: typeof origin === 'string' ? `${origin}${req.url ?? '/'}` : `(no ${REPLAY_ORIGIN_HEADER})${req.url ?? '/'}`,
        headers: arrivedHeaders(req),
        body: await readBody(req),
      }
      const expected = recorded[next]
      const reason =
        typeof origin !== 'string'
          ? `no ${REPLAY_ORIGIN_HEADER} header: send requests through replayFetch(server)`
          : expected === undefined
            ? 'every recorded exchange was already used'
            : mismatch(expected.request, arrived)
      if (reason === undefined && expected) {
        next += 1
        send(res, expected)
        return
      }
      const found = { method: arrived.method, url: arrived.url, reason: reason ?? 'no match' }
      unexpected.push(found)
      res.writeHead(UNEXPECTED_STATUS, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          error: 'unexpected_request',
          message: `Replay server: unexpected ${found.method} ${found.url} (${found.reason})`,
        }),
      )
    })().catch((error: unknown) => {
      res.writeHead(500)
      res.end(String(error))
    })
  })

  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  return {
    url,
    get unexpected() {
      return [...unexpected]
    },
    get remaining() {
      return recorded.slice(next)
    },
    assertDone() {
      const problems = [
        ...unexpected.map((found) => `unexpected ${found.method} ${found.url}: ${found.reason}`),
        ...recorded
          .slice(next)
          .map((exchange) => `unused ${exchange.request.method.toUpperCase()} ${exchange.request.url}`),
      ]
      if (problems.length > 0) {
        throw new Error(`Replay server: the recorded conversation did not happen:\n  ${problems.join('\n  ')}`)
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
