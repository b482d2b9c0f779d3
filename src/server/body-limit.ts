import type { Context, MiddlewareHandler } from 'hono'
import { PatchbayError } from '../errors.js'
import { rawTargetOf, rememberRawTarget } from './raw-target.js'

/** Bodies of JSON API routes: 1 MiB unless `PATCHBAY_MAX_BODY_BYTES` says otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/**
 * The OAuth callback's body (`response_mode=form_post`): a code, a state and perhaps an ID token
 * of a few KB. Anything larger is not a provider's answer.
 */
export const MAX_CALLBACK_BODY_BYTES = 16 * 1024

/** The error a body over its route's limit gets: 413, the envelope, before the body is read. */
export function bodyTooLarge(maxBytes: number): PatchbayError {
  return new PatchbayError('bad_request', `The request body may be at most ${maxBytes} bytes`, {
    status: 413,
    details: { problems: [`body: more than ${maxBytes} bytes`], max_bytes: maxBytes },
  })
}

function declaredLength(c: Context): number | null {
  const header = c.req.header('content-length')
  if (header === undefined || c.req.header('transfer-encoding') !== undefined) return null
  const length = Number(header)
  return Number.isSafeInteger(length) && length >= 0 ? length : null
}

/**
 * Reads a body up to `maxBytes`, stopping at the first chunk past the limit: the reader is
 * cancelled, so nothing more is pulled off the connection, and nothing past the limit is kept.
 * @returns the bytes, or null when the body is larger than `maxBytes`
 */
async function readAtMost(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return null
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** The body limits of the server's routes, in bytes. */
export interface BodyLimits {
  /** JSON API and Connect page routes: `PATCHBAY_MAX_BODY_BYTES`, 1 MiB by default. */
  bodyBytes: number
  /** `GET|POST /auth/:integration/callback` and `/signin/:integration/callback`: 16 KiB. */
  callbackBytes: number
  /** `POST /webhooks/:integration`: 1 MiB. */
  webhookBytes: number
  /**
   * `ALL /proxy/*`, counted as the body streams on to the provider (never held):
   * `PATCHBAY_MAX_PROXY_BODY_BYTES`, 100 MiB by default.
   */
  proxyBytes: number
  /**
   * `POST /connections/import`: `PATCHBAY_MAX_IMPORT_BYTES`, 64 MiB by default (about 100,000
   * connections). The body is held whole, since an import checks every line before writing any.
   */
  importBytes: number
}

/** Where a limit does not come from the configuration. */
export const DEFAULT_BODY_LIMITS: Readonly<BodyLimits> = Object.freeze({
  bodyBytes: DEFAULT_MAX_BODY_BYTES,
  callbackBytes: MAX_CALLBACK_BODY_BYTES,
  webhookBytes: 1024 * 1024,
  proxyBytes: 100 * 1024 * 1024,
  importBytes: 64 * 1024 * 1024,
})

/** The limit of a request's route, or null for the proxy, which counts its body as it streams. */
export function bodyLimitOf(path: string, limits: BodyLimits): number | null {
  if (/^\/proxy(?:$|\/)/.test(path)) return null
  if (/^\/(?:auth|signin)\/[^/]+\/callback\/?$/.test(path)) return limits.callbackBytes
  if (/^\/webhooks\//.test(path)) return limits.webhookBytes
  if (/^\/connections\/import\/?$/.test(path)) return limits.importBytes
  return limits.bodyBytes
}

/**
 * Middleware bounding every request body by its route's limit ({@link bodyLimitOf}), before
 * routing and authentication. A `Content-Length` above the limit is refused at once, unread; a
 * chunked body is counted as it streams and refused at the first chunk past the limit. The
 * refusal is a 413 envelope with `Connection: close`, so the server drops the connection instead
 * of draining megabytes the client may still be sending. A body within the limit is handed on as
 * read (at most the limit held in memory).
 */
export function limitBodies(
  limits: BodyLimits,
  respond: (c: Context, error: PatchbayError) => Response | Promise<Response>,
): MiddlewareHandler {
  return async (c, next) => {
    // A GET or HEAD Request has no body by definition; asking the Node adapter's lightweight
    // Request for `body` would build a full one (an AbortController, a stream) for nothing (#9).
    const method = c.req.method
    if (method === 'GET' || method === 'HEAD') return next()
    const request = c.req.raw
    const maxBytes = bodyLimitOf(c.req.path, limits)
    // The proxy counts its own body as it streams.
    if (maxBytes === null || !request.body) return next()
    const declared = declaredLength(c)
    const refuse = () => {
      c.header('Connection', 'close')
      return respond(c, bodyTooLarge(maxBytes))
    }
    if (declared !== null && declared > maxBytes) return refuse()
    const bytes = await readAtMost(request.body, maxBytes)
    if (bytes === null) return refuse()
    const replaced = new Request(request, { body: bytes })
    // The raw target is remembered per Request object: carry it over to the copy.
    rememberRawTarget(replaced, rawTargetOf(request))
    c.req.raw = replaced
    return next()
  }
}
