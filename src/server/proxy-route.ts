import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Context, Hono, MiddlewareHandler } from 'hono'
import { PatchbayError } from '../errors.js'
import { confineUrl } from '../runtime/index.js'
import type { ForwardHeaders, ForwardRequest, ForwardResponse, Patchbay } from '../runtime/index.js'
import { bodyTooLarge, DEFAULT_BODY_LIMITS } from './body-limit.js'
import { nodeExchangeOf } from './node-exchange.js'
import type { NodeExchange } from './node-exchange.js'
import { rawTargetOf } from './raw-target.js'

// Hop-by-hop headers belong to one connection, not to the message (RFC 9110 §7.6.1); `Proxy-*`
// ones are dropped by prefix.
const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']

// What identifies the caller to Patchbay, or addresses Patchbay itself, never goes to the
// provider. `Expect` was already answered by Patchbay's own server.
const CALLER_ONLY = ['authorization', 'cookie', 'connection-id', 'integration', 'host', 'expect']

const HOP_BY_HOP_SET = new Set(HOP_BY_HOP)
const CALLER_ONLY_SET = new Set([...HOP_BY_HOP, ...CALLER_ONLY])

// Statuses whose answers have no body (RFC 9110 §6.4.1); a Response refuses one.
const NO_BODY = new Set([204, 205, 304])

type HeaderRecord = Record<string, string | string[] | undefined>

/**
 * A copy of `headers` (lower-case names) without hop-by-hop headers (those in `removed`,
 * `Proxy-*`, and the ones named in `Connection`).
 */
function withoutHopByHop(headers: HeaderRecord, removed: ReadonlySet<string>): ForwardHeaders {
  const connection = headers['connection']
  const named = connection
    ? new Set(
        (Array.isArray(connection) ? connection.join(',') : connection)
          .split(',')
          .map((name) => name.trim().toLowerCase()),
      )
    : null
  const out: ForwardHeaders = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined || removed.has(name) || named?.has(name)) continue
    if (name.startsWith('proxy-')) continue
    out[name] = value
  }
  return out
}

/** The part of a raw request target after `/proxy`, or null when it is not a proxy request. */
function proxyPathOf(target: string): string | null {
  const match = /^\/proxy(?=$|[/?])/.exec(target)
  return match ? target.slice(match[0].length) : null
}

/**
 * Refuses, before any routing or authentication, a proxy request whose raw target would leave
 * the base URL: `/proxy/../admin` reaches Hono already parsed as `/admin`, so only the raw target
 * shows what was asked. Registered first so no other route answers it.
 */
export function refuseEscapingProxyPaths(): MiddlewareHandler {
  return async (c, next) => {
    const path = proxyPathOf(rawTargetOf(c.req.raw))
    // The same check the forwarding does, against a stand-in base: only the path is judged here.
    if (path !== null) confineUrl(path, 'http://proxy.invalid')
    await next()
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Whether a request carries a body (RFC 9112 §6.3: a `Content-Length` above 0 or a
 * `Transfer-Encoding`), and the declared length when there is one.
 */
function bodyOf(headers: HeaderRecord): { present: boolean; declared: number } {
  if (headers['transfer-encoding'] !== undefined) return { present: true, declared: 0 }
  const declared = Number(single(headers['content-length']) ?? 0)
  return { present: declared > 0, declared }
}

/**
 * Chunks of a body streamed on, counted: past `maxBytes` it fails with the 413 error, and
 * `exceeded()` says afterwards whether the limit was what stopped it.
 */
function countedChunks(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
): { body: AsyncIterable<Uint8Array>; exceeded: () => boolean } {
  let over = false
  async function* counted(): AsyncGenerator<Uint8Array> {
    let size = 0
    for await (const chunk of source) {
      size += chunk.length
      if (size > maxBytes) {
        over = true
        throw bodyTooLarge(maxBytes)
      }
      yield chunk
    }
  }
  return { body: counted(), exceeded: () => over }
}

/** What both transports share: the checks made before anything is sent, and the forwarding. */
async function forward(
  c: Context,
  patchbay: Patchbay,
  maxBodyBytes: number,
  request: {
    headers: HeaderRecord
    body: (() => AsyncIterable<Uint8Array>) | null
    signal: AbortSignal
  },
): Promise<ForwardResponse> {
  const { headers } = request
  const connectionId = single(headers['connection-id'])?.trim()
  if (!connectionId) {
    throw new PatchbayError('bad_request', 'The Connection-Id header is required', {
      details: { problems: ['Connection-Id: required'] },
    })
  }
  const { present, declared } = bodyOf(headers)
  if (declared > maxBodyBytes) {
    c.header('Connection', 'close')
    throw bodyTooLarge(maxBodyBytes)
  }
  // Counted as it streams on, never held here: the limit stops a body that never ends.
  const body = present && request.body ? countedChunks(request.body(), maxBodyBytes) : null
  const integration = single(headers['integration'])?.trim()
  const forwarded: ForwardRequest = {
    method: c.req.method,
    target: proxyPathOf(rawTargetOf(c.req.raw)) ?? '',
    headers: withoutHopByHop(headers, CALLER_ONLY_SET),
    body: body?.body ?? null,
    signal: request.signal,
    ...(integration ? { integration } : {}),
  }
  try {
    return await patchbay.connection(connectionId).forward(forwarded)
  } catch (error) {
    if (!body?.exceeded()) throw error
    c.header('Connection', 'close')
    throw bodyTooLarge(maxBodyBytes)
  }
}

/**
 * The proxy on the Node request and response themselves: the body read from the socket and the
 * answer written to it, with backpressure both ways and no Web-stream conversion. Errors before
 * the answer's head is written are thrown, so they get the usual envelope.
 */
async function forwardOnNode(
  c: Context,
  patchbay: Patchbay,
  maxBodyBytes: number,
  { incoming, outgoing }: NodeExchange,
): Promise<Response> {
  // The caller going away cancels the provider request (its upload, or the answer's body).
  const abort = new AbortController()
  const onClose = () => {
    if (!outgoing.writableFinished) abort.abort()
  }
  outgoing.once('close', onClose)
  const headers: IncomingHttpHeaders = incoming.headers
  let answer: ForwardResponse
  try {
    answer = await forward(c, patchbay, maxBodyBytes, {
      headers,
      body: () => incoming.iterator({ destroyOnReturn: false }),
      signal: abort.signal,
    })
  } catch (error) {
    outgoing.off('close', onClose)
    throw error
  }
  const answerHeaders = withoutHopByHop(answer.headers, HOP_BY_HOP_SET)
  const requestId = c.get('requestId')
  if (requestId) answerHeaders['x-request-id'] = requestId
  outgoing.writeHead(answer.status, answerHeaders)
  // `pipe` rather than `pipeline`, which costs an AbortController of its own per request; the
  // caller's side is covered by `onClose` above.
  answer.body.once('error', () => outgoing.destroy())
  answer.body.pipe(outgoing)
  // Tells the Node adapter the answer is written; the status is for the request log.
  return new Response(null, { status: answer.status, headers: RESPONSE_ALREADY_SENT.headers })
}

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/** The proxy for a `Request` that did not come through the Node adapter (`app.fetch`). */
async function forwardOnWeb(c: Context, patchbay: Patchbay, maxBodyBytes: number): Promise<Response> {
  const request = c.req.raw
  const headers: HeaderRecord = {}
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  const stream = request.body
  const answer = await forward(c, patchbay, maxBodyBytes, {
    headers,
    body: stream ? () => chunksOf(stream) : null,
    signal: request.signal,
  })
  const answerHeaders = new Headers()
  for (const [name, value] of Object.entries(withoutHopByHop(answer.headers, HOP_BY_HOP_SET))) {
    for (const one of Array.isArray(value) ? value : [value]) answerHeaders.append(name, one)
  }
  const empty = NO_BODY.has(answer.status) || request.method === 'HEAD'
  if (empty) answer.body.resume()
  const body = empty ? null : (Readable.toWeb(answer.body) as ReadableStream<Uint8Array>)
  return new Response(body, { status: answer.status, headers: answerHeaders })
}

/**
 * `ALL /proxy/<path>` with `Connection-Id` (and optionally `Integration`): the request goes to
 * the connection's base URL with its credentials, the body streamed both ways (and counted up to
 * `maxBodyBytes`); the caller's own credentials and hop-by-hop headers stay behind, and the
 * provider's answer comes back as it was sent (a compressed body stays compressed). Refresh on
 * 401 and retries are the runtime's (`patchbay.connection(id).forward`). Behind the Node adapter
 * the route reads and writes the Node request and response directly.
 */
export function mountProxyRoute(
  app: Hono,
  patchbay: Patchbay,
  auth: MiddlewareHandler,
  maxBodyBytes: number = DEFAULT_BODY_LIMITS.proxyBytes,
): void {
  // Hono's `/proxy/*` matches `/proxy` itself too.
  app.use('/proxy/*', auth)
  app.all('/proxy/*', (c) => {
    const exchange = nodeExchangeOf(c.req.raw)
    return exchange
      ? forwardOnNode(c, patchbay, maxBodyBytes, exchange)
      : forwardOnWeb(c, patchbay, maxBodyBytes)
  })
}
