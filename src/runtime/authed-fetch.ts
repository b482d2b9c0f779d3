import { applyPlacement } from '../engines/index.js'
import { resolveUrl } from '../kit/index.js'
import type { AuthScheme, JsonObject } from '../kit/index.js'
import { templateScopes } from './provider-call.js'
import type { FetchLike } from './provider-call.js'

export interface AuthedFetchOptions {
  scheme: AuthScheme
  settings: JsonObject
  baseUrl: string
  fetch: FetchLike
  context?: JsonObject
  /** Current credentials; with `force`, renewed ones (given the ones that failed). */
  credentials: (force?: { stale: JsonObject }) => Promise<JsonObject>
  /** Whether a 401 may be cured by renewing the credentials. */
  canRenew: boolean
}

function isReplayable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' ||
    body instanceof URLSearchParams || body instanceof ArrayBuffer || ArrayBuffer.isView(body) ||
    body instanceof Blob || body instanceof FormData
}

/**
 * A fetch for one connection: relative URLs resolve against the base URL, credentials are placed
 * as the scheme says, and a 401 leads to one renewal and one retry (when the body can be sent
 * twice and the scheme can renew).
 */
export function createAuthedFetch(options: AuthedFetchOptions) {
  return async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const url = resolveUrl(String(input), options.baseUrl)
    const send = (credentials: JsonObject) => {
      const target = applyPlacement(
        { url, headers: new Headers(init.headers) },
        options.scheme.apply,
        templateScopes({ ...options, credentials }),
      )
      return options.fetch(target.url, { ...init, headers: target.headers })
    }
    const credentials = await options.credentials()
    const response = await send(credentials)
    if (response.status !== 401 || !options.canRenew || !isReplayable(init.body)) return response
    await response.body?.cancel().catch(() => undefined)
    const renewed = await options.credentials({ stale: credentials })
    return send(renewed)
  }
}
