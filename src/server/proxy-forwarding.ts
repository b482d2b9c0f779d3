import { PatchbayError } from '../errors.js'
import type { ForwardHeaders, ForwardRequest, ForwardResponse, Patchbay } from '../runtime/index.js'
import { bodyTooLarge } from './body-limit.js'

// What the two ways into the proxy share (the Node request itself, `proxy-node.ts`, and a
// Web-standard Request through Hono, `proxy-route.ts`): which headers travel, the checks made
// before anything is sent, and the body counted as it streams on.

// Hop-by-hop headers belong to one connection, not to the message (RFC 9110 §7.6.1); `Proxy-*`
// ones are dropped by prefix.
const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']

// What identifies the caller to Patchbay, or addresses Patchbay itself, never goes to the
// provider. `Expect` was already answered by Patchbay's own server.
const CALLER_ONLY = ['authorization', 'cookie', 'connection-id', 'integration', 'host', 'expect']

const HOP_BY_HOP_SET: ReadonlySet<string> = new Set(HOP_BY_HOP)
const CALLER_ONLY_SET: ReadonlySet<string> = new Set([...HOP_BY_HOP, ...CALLER_ONLY])

/** Headers with lower-case names, as Node parses them. */
export type HeaderRecord = Record<string, string | string[] | undefined>

/**
 * A copy of `headers` without hop-by-hop headers (those in `removed`, `Proxy-*`, and the ones
 * named in `Connection`).
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

/** The provider's answer headers a caller gets: all but the hop-by-hop ones. */
export function answerHeaders(answer: ForwardResponse): ForwardHeaders {
  return withoutHopByHop(answer.headers, HOP_BY_HOP_SET)
}

/** The part of a raw request target after `/proxy`, or null when it is not a proxy request. */
export function proxyPathOf(target: string): string | null {
  if (!target.startsWith('/proxy')) return null
  const next = target[6]
  return next === undefined || next === '/' || next === '?' ? target.slice(6) : null
}

/** One header's value (the first, when repeated). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Whether a request carries a body (RFC 9112 §6.3: a `Content-Length` above 0 or a
 * `Transfer-Encoding`), and the declared length when there is one.
 */
function bodyOf(headers: HeaderRecord): { present: boolean; declared: number } {
  if (headers['transfer-encoding'] !== undefined) return { present: true, declared: 0 }
  const declared = Number(headerValue(headers['content-length']) ?? 0)
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

/** A proxy request as either way in received it. */
export interface ProxiedRequest {
  method: string
  /** The raw request target after `/proxy` (before any URL parsing removed `..`). */
  target: string
  headers: HeaderRecord
  /** The body's chunks, read at most once; called only when the headers announce a body. */
  body: () => AsyncIterable<Uint8Array>
  signal: AbortSignal
  maxBodyBytes: number
}

/**
 * Checks a proxy request and forwards it through the runtime: `Connection-Id` is required, a
 * declared body over the limit is refused unread, a streamed one is counted on its way (413 once
 * past the limit, whatever the runtime was doing); the caller's credentials and hop-by-hop
 * headers stay behind. A 413 should close the connection, since the client may still be sending.
 * @throws PatchbayError `bad_request` (400, or 413), and whatever the runtime's `forward` throws
 */
export async function forwardProxied(
  patchbay: Patchbay,
  request: ProxiedRequest,
): Promise<ForwardResponse> {
  const { headers, maxBodyBytes } = request
  const connectionId = headerValue(headers['connection-id'])?.trim()
  if (!connectionId) {
    throw new PatchbayError('bad_request', 'The Connection-Id header is required', {
      details: { problems: ['Connection-Id: required'] },
    })
  }
  const { present, declared } = bodyOf(headers)
  if (declared > maxBodyBytes) throw bodyTooLarge(maxBodyBytes)
  // Counted as it streams on, never held here: the limit stops a body that never ends.
  const body = present ? countedChunks(request.body(), maxBodyBytes) : null
  const integration = headerValue(headers['integration'])?.trim()
  const forwarded: ForwardRequest = {
    method: request.method,
    target: request.target,
    headers: withoutHopByHop(headers, CALLER_ONLY_SET),
    body: body?.body ?? null,
    signal: request.signal,
    ...(integration ? { integration } : {}),
  }
  try {
    return await patchbay.connection(connectionId).forward(forwarded)
  } catch (error) {
    if (body?.exceeded()) throw bodyTooLarge(maxBodyBytes)
    throw error
  }
}
