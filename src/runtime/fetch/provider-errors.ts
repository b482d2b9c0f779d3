import { PatchbayError } from '../../errors.js'
import type { JsonValue, PatchbayErrorCode } from '../../errors.js'

/** The Patchbay code of a provider's HTTP status. */
export function codeForStatus(status: number): PatchbayErrorCode {
  if (status === 401 || status === 403) return 'unauthorized'
  if (status === 404) return 'not_found'
  if (status === 408 || status === 504) return 'timeout'
  if (status === 429) return 'rate_limited'
  if (status === 400 || status === 409 || status === 422) return 'bad_request'
  return 'provider_error'
}

function shortText(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  return value.length > 300 ? `${value.slice(0, 300)}…` : value
}

/**
 * The provider's own words from an error body: `error`, `error_description`, `message`, kept
 * short. Nothing else of the body is copied, since bodies may echo what was sent.
 */
function providerWords(body: JsonValue | string | null): Record<string, string> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {}
  const words: Record<string, string> = {}
  for (const key of ['error', 'error_description', 'message'] as const) {
    const value = body[key]
    const text =
      shortText(value) ??
      (value && typeof value === 'object' && !Array.isArray(value)
        ? shortText((value as Record<string, unknown>)['message'])
        : undefined)
    if (text) words[key] = text
  }
  return words
}

/**
 * A PatchbayError for a provider's non-2xx answer, coded by status, naming the method and URL
 * path (not the query, which may carry a key).
 */
export function errorFromProviderResponse(
  method: string,
  url: string | URL,
  status: number,
  body: JsonValue | string | null,
  message?: string,
): PatchbayError {
  const where = new URL(url)
  const words = providerWords(body)
  const said = words['error_description'] ?? words['message'] ?? words['error']
  return new PatchbayError(
    codeForStatus(status),
    message ?? `${method} ${where.origin}${where.pathname} answered ${status}${said ? `: ${said}` : ''}`,
    { details: { status, ...words }, status: status >= 500 ? 502 : status },
  )
}
