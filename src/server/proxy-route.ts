import { Readable } from 'node:stream'
import type { Context, Hono, MiddlewareHandler } from 'hono'
import { isPatchbayError } from '../errors.js'
import { confineUrl } from '../runtime/index.js'
import type { Patchbay } from '../runtime/index.js'
import { DEFAULT_BODY_LIMITS } from './body-limit.js'
import { answerHeaders, forwardProxied, proxyPathOf } from './proxy-forwarding.js'
import type { HeaderRecord } from './proxy-forwarding.js'
import { rawTargetOf } from './raw-target.js'

// Statuses whose answers have no body (RFC 9110 §6.4.1); a Response refuses one.
const NO_BODY = new Set([204, 205, 304])

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

async function* chunksOf(stream: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!stream) return
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

/** The proxy for a Web-standard `Request` (`app.fetch`): web streams converted at the edges. */
async function forwardRequest(c: Context, patchbay: Patchbay, maxBodyBytes: number): Promise<Response> {
  const request = c.req.raw
  const headers: HeaderRecord = {}
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  const stream = request.body
  let answer
  try {
    answer = await forwardProxied(patchbay, {
      method: request.method,
      target: proxyPathOf(rawTargetOf(request)) ?? '',
      headers,
      body: () => chunksOf(stream),
      signal: request.signal,
      maxBodyBytes,
    })
  } catch (error) {
    if (isPatchbayError(error) && error.status === 413) c.header('Connection', 'close')
    throw error
  }
  const out = new Headers()
  for (const [name, value] of Object.entries(answerHeaders(answer))) {
    for (const one of Array.isArray(value) ? value : [value]) out.append(name, one)
  }
  const empty = NO_BODY.has(answer.status) || request.method === 'HEAD'
  if (empty) answer.body.resume()
  const body = empty ? null : (Readable.toWeb(answer.body) as ReadableStream<Uint8Array>)
  return new Response(body, { status: answer.status, headers: out })
}

/**
 * `ALL /proxy/<path>` with `Connection-Id` (and optionally `Integration`) for requests that did
 * not come through the Node adapter: the same forwarding as {@link createNodeProxy}, behind the
 * same authentication, over web streams. Requests the adapter made never reach it (the app
 * hands them to the Node proxy first); it is mounted so `app.fetch` answers the same.
 */
export function mountProxyRoute(
  app: Hono,
  patchbay: Patchbay,
  auth: MiddlewareHandler,
  maxBodyBytes: number = DEFAULT_BODY_LIMITS.proxyBytes,
): void {
  // Hono's `/proxy/*` matches `/proxy` itself too.
  app.use('/proxy/*', auth)
  app.all('/proxy/*', (c) => forwardRequest(c, patchbay, maxBodyBytes))
}
