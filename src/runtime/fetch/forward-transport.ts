import { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { isPatchbayError } from '../../errors.js'
import type { FetchLike } from './fetch-like.js'
import { providerTimeout, providerUnreachable } from './provider-network.js'

/** Request headers as forwarded: lower-case names, a list for a repeated header. */
export type ForwardHeaders = Record<string, string | string[]>

/** A request body: bytes held in memory, a stream read once, or none. */
export type ForwardBody = Uint8Array | AsyncIterable<Uint8Array> | null

/** One request as the transport sends it, credentials already applied. */
export interface TransportRequest {
  method: string
  url: URL
  headers: ForwardHeaders
  body: ForwardBody
  signal?: AbortSignal | undefined
}

/** A provider's answer, its body not yet read. */
export interface ForwardAnswer {
  status: number
  statusText: string
  /** Lower-case names, a list for a repeated header; hop-by-hop headers included. */
  headers: Record<string, string | string[] | undefined>
  body: Readable
}

/** How forwarded requests reach providers. */
export interface ForwardTransport {
  /**
   * Sends a request and resolves with the answer once its status and headers arrive.
   * @throws PatchbayError `provider_error` when the provider cannot be reached, `timeout` when
   *   it does not answer in time; a caller's abort stays an abort
   */
  send(request: TransportRequest): Promise<ForwardAnswer>
  /** Reads and drops an answer's body, so its connection can carry the next request. */
  discard(answer: ForwardAnswer): Promise<void>
  /** Closes idle connections and refuses further requests. */
  close(): Promise<void>
}

function networkCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code
}

/**
 * undici's own API over a keep-alive pool per provider origin: no fetch, no web streams, and the
 * body streamed both ways with backpressure. undici itself is loaded on the first request, so
 * processes that never forward (the CLI) do not pay for it.
 * @param timeoutMs how long a provider has to send its status and headers; 0 for no limit
 */
export function undiciTransport(timeoutMs: number): ForwardTransport {
  let agent: Promise<Dispatcher> | null = null
  const dispatcher = () => (agent ??= import('undici').then(({ Agent }) => new Agent()))
  return {
    async send(request) {
      const { url, method } = request
      try {
        const answer = await (await dispatcher()).request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: method as Dispatcher.HttpMethod,
          headers: request.headers,
          // undici streams async iterables too; its types only name Readable.
          body: request.body as Uint8Array | Readable | null,
          signal: request.signal ?? null,
          headersTimeout: timeoutMs,
        })
        return {
          status: answer.statusCode,
          statusText: answer.statusText,
          headers: answer.headers,
          body: answer.body,
        }
      } catch (error) {
        if (isPatchbayError(error) || request.signal?.aborted) throw error
        const where = `${url.origin}${url.pathname}`
        if (networkCode(error) === 'UND_ERR_HEADERS_TIMEOUT') {
          throw providerTimeout(method, where, timeoutMs)
        }
        throw providerUnreachable(error, method, where)
      }
    },
    async discard(answer) {
      const body = answer.body as Readable & { dump?: () => Promise<void> }
      await (body.dump ? body.dump() : drain(body)).catch(() => undefined)
    },
    async close() {
      const pending = agent
      agent = null
      if (pending) await (await pending).close()
    },
  }
}

async function drain(body: Readable): Promise<void> {
  for await (const _ of body);
}

// Node's fetch decodes these codings, so the body it hands on is no longer what the headers say.
const DECODED = new Set(['gzip', 'x-gzip', 'deflate', 'br'])

function headersOf(response: Response): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') out[name] = value
  }
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) out['set-cookie'] = cookies
  const codings = (out['content-encoding'] ?? '').toString().split(',')
  if (codings.some((coding) => DECODED.has(coding.trim().toLowerCase()))) {
    delete out['content-encoding']
    delete out['content-length']
  }
  return out
}

/**
 * The same over an injected `fetch` (`PatchbayOptions.fetch`), for hosts that route every
 * provider request through their own network: web streams converted at the edges, and an answer
 * fetch decoded passed on without its `Content-Encoding`.
 */
export function fetchTransport(fetchImpl: FetchLike): ForwardTransport {
  return {
    async send(request) {
      const headers = new Headers()
      for (const [name, value] of Object.entries(request.headers)) {
        for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one)
      }
      const { body } = request
      const streamed = body !== null && !(body instanceof Uint8Array)
      const response = await fetchImpl(request.url, {
        method: request.method,
        headers,
        ...(body === null
          ? {}
          : { body: streamed ? (Readable.toWeb(Readable.from(body)) as ReadableStream) : body }),
        ...(streamed ? { duplex: 'half' } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      } as RequestInit)
      return {
        status: response.status,
        statusText: response.statusText,
        headers: headersOf(response),
        body: response.body
          ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)
          : Readable.from([]),
      }
    },
    async discard(answer) {
      await drain(answer.body).catch(() => undefined)
    },
    async close() {},
  }
}
