import { PatchbayError, isPatchbayError } from '../../errors.js'
import type { FetchLike } from '../fetch/provider-call.js'

/** A fetch bounded by one deadline, and how to read an error thrown while it ran. */
export interface Deadline {
  fetch: FetchLike
  /**
   * The error as a caller should see it: `timeout` when the deadline cut the request or the
   * reading of its body, `provider_error` when no server answered, otherwise unchanged.
   */
  explain(error: unknown): unknown
}

/**
 * A fetch whose every request, body included, ends by one shared deadline `ms` from now, so the
 * work done under a refresh lease cannot outlive the lease (issue 8 item 7). Errors name the
 * origin only: a token URL may carry a client secret in its query (`query` client authentication).
 */
export function startDeadline(fetch: FetchLike, ms: number): Deadline {
  const signal = AbortSignal.timeout(ms)
  let origin = 'the provider'
  const explain = (error: unknown): unknown => {
    if (isPatchbayError(error)) return error
    if (signal.aborted) {
      return new PatchbayError('timeout', `${origin} did not answer within ${ms} ms`, { cause: error })
    }
    if (error instanceof TypeError) {
      // undici's "fetch failed": refused, reset, unknown host. No answer came, so nothing rotated.
      return new PatchbayError('provider_error', `Could not reach ${origin}`, { cause: error })
    }
    return error
  }
  return {
    explain,
    async fetch(input, init = {}) {
      origin = originOf(input)
      const combined = init.signal ? AbortSignal.any([init.signal, signal]) : signal
      try {
        return await fetch(input, { ...init, signal: combined })
      } catch (error) {
        if (init.signal?.aborted && !signal.aborted) throw error
        throw explain(error)
      }
    },
  }
}

function originOf(input: string | URL | Request): string {
  const text = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  return URL.canParse(text) ? new URL(text).origin : 'the provider'
}
