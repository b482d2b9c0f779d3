import type { Context, Hono, MiddlewareHandler } from 'hono'
import { PatchbayError } from '../errors.js'
import { confineUrl } from '../runtime/index.js'
import type { Patchbay } from '../runtime/index.js'
import { bodyTooLarge, countedBody, DEFAULT_BODY_LIMITS } from './body-limit.js'
import { rawTargetOf } from './raw-target.js'

// Hop-by-hop headers belong to one connection, not to the message (RFC 9110 §7.6.1); `Proxy-*`
// ones are dropped by prefix.
const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']

// What identifies the caller to Patchbay, or addresses Patchbay itself, never goes to the
// provider. `Expect` was already answered by Patchbay's own server.
const CALLER_ONLY = ['authorization', 'cookie', 'connection-id', 'integration', 'host', 'expect']

// Node's fetch decodes these codings, so the body passed on is no longer what the headers say.
const DECODED = new Set(['gzip', 'x-gzip', 'deflate', 'br'])

/**
 * A copy of `headers` without hop-by-hop headers (those listed, `Proxy-*`, and the ones named in
 * `Connection`) and without any named in `drop`.
 */
function withoutHopByHop(headers: Headers, drop: readonly string[] = []): Headers {
  const named = (headers.get('connection') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  const removed = new Set([...HOP_BY_HOP, ...named, ...drop])
  const out = new Headers()
  for (const [name, value] of headers) {
    if (!removed.has(name) && !name.startsWith('proxy-')) out.append(name, value)
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

function responseHeaders(upstream: Response): Headers {
  const headers = withoutHopByHop(upstream.headers)
  const codings = (headers.get('content-encoding') ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
  if (codings.some((coding) => DECODED.has(coding))) {
    headers.delete('content-encoding')
    headers.delete('content-length')
  }
  return headers
}

async function forward(c: Context, patchbay: Patchbay, maxBodyBytes: number): Promise<Response> {
  const connectionId = c.req.header('connection-id')?.trim()
  if (!connectionId) {
    throw new PatchbayError('bad_request', 'The Connection-Id header is required', {
      details: { problems: ['Connection-Id: required'] },
    })
  }
  const connection = await patchbay.connections.get(connectionId)
  if (!connection) {
    throw new PatchbayError('not_found', `Connection "${connectionId}" does not exist`)
  }
  const integration = c.req.header('integration')?.trim()
  if (integration && integration !== connection.integrationId) {
    throw new PatchbayError(
      'bad_request',
      `Connection "${connectionId}" is not a connection of "${integration}"`,
      { details: { problems: ['Integration: does not match the connection'] } },
    )
  }
  const path = proxyPathOf(rawTargetOf(c.req.raw)) ?? ''
  const request = c.req.raw
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > maxBodyBytes) {
    c.header('Connection', 'close')
    throw bodyTooLarge(maxBodyBytes)
  }
  // Counted as it streams on, never held: the limit stops a body that never ends.
  const body = request.body ? countedBody(request.body, maxBodyBytes) : null
  let upstream: Response
  try {
    upstream = await patchbay.connection(connectionId).fetch(path, {
      method: request.method,
      headers: withoutHopByHop(request.headers, CALLER_ONLY),
      ...(body ? { body: body.body } : {}),
      signal: request.signal,
    })
  } catch (error) {
    if (!body?.exceeded()) throw error
    c.header('Connection', 'close')
    throw bodyTooLarge(maxBodyBytes)
  }
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders(upstream),
  })
}

/**
 * `ALL /proxy/<path>` with `Connection-Id` (and optionally `Integration`): the request goes to
 * the connection's base URL with its credentials, the body streamed both ways (and counted up to
 * `maxBodyBytes`); the caller's own
 * credentials and hop-by-hop headers stay behind. Refresh on 401 and retries are the runtime's
 * (`patchbay.connection(id).fetch`).
 */
export function mountProxyRoute(
  app: Hono,
  patchbay: Patchbay,
  auth: MiddlewareHandler,
  maxBodyBytes: number = DEFAULT_BODY_LIMITS.proxyBytes,
): void {
  // Hono's `/proxy/*` matches `/proxy` itself too.
  app.use('/proxy/*', auth)
  app.all('/proxy/*', (c) => forward(c, patchbay, maxBodyBytes))
}
