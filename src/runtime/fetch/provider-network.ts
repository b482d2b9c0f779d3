import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { FetchLike } from './provider-call.js'

/** How long a provider has to answer (status and headers) before the request is `timeout`. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 30_000

function where(input: string | URL | Request): string {
  try {
    const url = new URL(input instanceof Request ? input.url : String(input))
    // Origin and path only: a query may carry a key.
    return `${url.origin}${url.pathname}`
  } catch {
    return 'the provider'
  }
}

function methodOf(input: string | URL | Request, init?: RequestInit): string {
  return (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
}

/** The network error's own code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`…), for the details. */
function systemCode(error: unknown): string | null {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code
    if (typeof code === 'string' && code.startsWith('UND_ERR')) return code
    current = (current as { cause?: unknown }).cause
  }
  return null
}

/**
 * A provider that did not answer within `timeoutMs`: `timeout`, naming the method and the URL
 * without its query (where a key may be placed).
 */
export function providerTimeout(method: string, url: string, timeoutMs: number): PatchbayError {
  return new PatchbayError('timeout', `${method} ${url} did not answer within ${timeoutMs} ms`, {
    details: { timeout_ms: timeoutMs },
  })
}

/**
 * A provider that could not be reached: `provider_error` naming the method, the URL without its
 * query, and the network error's code (`ECONNREFUSED`…) when there is one.
 */
export function providerUnreachable(error: unknown, method: string, url: string): PatchbayError {
  const code = systemCode(error)
  return new PatchbayError(
    'provider_error',
    `${method} ${url} failed: the provider could not be reached${code ? ` (${code})` : ''}`,
    { cause: error, ...(code ? { details: { network_error: code } } : {}) },
  )
}

/**
 * Wraps the network every provider request goes through (token exchange, refresh, profile,
 * capability calls, the proxy) so that a provider that cannot be reached is `provider_error`
 * and one that does not answer within `timeoutMs` is `timeout`, never an `internal` error.
 * The deadline covers the wait for the answer's status and headers; a body then streams for as
 * long as it takes. A caller's own abort stays an abort, so callers can tell they stopped it.
 * @param timeoutMs 0 turns the deadline off
 */
export function guardProviderFetch(fetchImpl: FetchLike, timeoutMs = DEFAULT_PROVIDER_TIMEOUT_MS): FetchLike {
  return async (input, init = {}) => {
    const deadline = new AbortController()
    const timer = timeoutMs > 0 ? setTimeout(() => deadline.abort(), timeoutMs) : null
    const signals = [deadline.signal, ...(init.signal ? [init.signal] : [])]
    const method = methodOf(input, init)
    try {
      return await fetchImpl(input, { ...init, signal: AbortSignal.any(signals) })
    } catch (error) {
      if (isPatchbayError(error)) throw error
      if (init.signal?.aborted) throw error
      if (deadline.signal.aborted) throw providerTimeout(method, where(input), timeoutMs)
      throw providerUnreachable(error, method, where(input))
    } finally {
      if (timer) clearTimeout(timer)
    }
  }
}
