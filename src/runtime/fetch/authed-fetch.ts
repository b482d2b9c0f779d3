import { isPatchbayError, PatchbayError } from '../../errors.js'
import { applyPlacement } from '../../engines/index.js'
import { resolveUrl } from '../../kit/index.js'
import type { AuthScheme, JsonObject } from '../../kit/index.js'
import { confineUrl } from './confine-url.js'
import type { FetchLike } from './fetch-like.js'
import { prepareBody } from './request-body.js'
import type { RequestSigner } from './request-signer.js'
import { sendWithRetries } from './retry.js'
import type { RetryEnvironment } from './retry.js'
import { templateScopes } from './template-scopes.js'

export interface AuthedFetchOptions {
  scheme: AuthScheme
  settings: JsonObject
  baseUrl: string
  fetch: FetchLike
  /**
   * Extra template variables for the placement (`{{clientId}}` for Twitch's `Client-Id`), or a
   * lookup of them run on the first request that needs it.
   */
  context?: JsonObject | (() => Promise<JsonObject>)
  /** Current credentials; with `force`, renewed ones (given the ones that failed). */
  credentials: (force?: { stale: JsonObject }) => Promise<JsonObject>
  /** Whether a 401 may be cured by renewing the credentials. */
  canRenew: boolean
  /** Retries of idempotent requests on transient statuses; none when absent. */
  retry?: RetryEnvironment
  /** Refuse URLs that would leave the base URL (`bad_request`) instead of following them. */
  confine?: boolean
  /** Bytes of a streamed body held in memory so it can be replayed (default 64 KiB). */
  replayLimit?: number
  /** Signs each request, for schemes that sign (OAuth 1); unused by other schemes. */
  sign?: RequestSigner
}

/**
 * A fetch for one connection: relative URLs resolve against the base URL, credentials are placed
 * as the scheme says, and a 401 leads to one renewal and one retry (when the body can be sent
 * twice and the scheme can renew). With `retry`, idempotent requests are also sent again on
 * 429/502/503/504 as the policy says; with `confine`, URLs outside the base URL are refused.
 * Streamed bodies are held in memory only up to `replayLimit` bytes; a longer one streams
 * through once, and its 401 or 503 comes back to the caller as it is.
 */
export function createAuthedFetch(options: AuthedFetchOptions) {
  let context: JsonObject | undefined
  const contextOf = async (): Promise<JsonObject> => {
    if (typeof options.context !== 'function') return options.context ?? {}
    context ??= await options.context()
    return context
  }
  return async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const url = options.confine
      ? confineUrl(String(input), options.baseUrl)
      : resolveUrl(String(input), options.baseUrl)
    const method = (init.method ?? 'GET').toUpperCase()
    const body = await prepareBody(init.body, options.replayLimit)
    const send = async (credentials: JsonObject) => {
      const target = applyPlacement(
        { url, headers: new Headers(init.headers) },
        options.scheme.apply,
        templateScopes({ ...options, credentials, context: await contextOf() }),
      )
      const sent = body.init()
      const outgoing = { method, url: target.url, headers: target.headers, body: sent.body }
      const headers = options.sign ? await options.sign(credentials, outgoing) : target.headers
      try {
        return await options.fetch(target.url, { ...init, headers, ...sent })
      } catch (error) {
        throw unreachable(error, method, url)
      }
    }
    let renewed = false
    const attempt = async (): Promise<Response> => {
      const credentials = await options.credentials()
      const response = await send(credentials)
      if (response.status !== 401 || renewed || !options.canRenew || !body.replayable) {
        return response
      }
      renewed = true
      await response.body?.cancel().catch(() => undefined)
      return send(await options.credentials({ stale: credentials }))
    }
    if (!options.retry) return attempt()
    return sendWithRetries(
      attempt,
      { method, replayable: body.replayable, signal: init.signal ?? null },
      options.retry,
    )
  }
}

/**
 * A network failure as a `provider_error` naming the method and the URL without its query (where
 * a key may be placed); an abort stays what it is, so callers can tell they stopped it.
 */
function unreachable(error: unknown, method: string, url: URL): unknown {
  if (isAbort(error) || isPatchbayError(error)) return error
  return new PatchbayError(
    'provider_error',
    `${method} ${url.origin}${url.pathname} failed: the provider could not be reached`,
    { cause: error },
  )
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'AbortError' || name === 'TimeoutError'
}
