import { renderRecord } from '../../common/index.js'
import type { CredentialPlacement, TemplateScopes } from '../../kit/index.js'

/** Where a request is going and with which headers; what credentials are applied to. */
export interface RequestTarget {
  url: URL
  headers: Headers
}

/**
 * Puts credentials on a request: header and query templates rendered from `scopes`. Returns new
 * objects; the input is not changed, so a retry can apply fresher credentials to the original.
 */
export function applyPlacement(
  target: RequestTarget,
  placement: CredentialPlacement,
  scopes: TemplateScopes,
): RequestTarget {
  const url = new URL(target.url)
  for (const [key, value] of Object.entries(renderRecord(placement.query, scopes))) {
    url.searchParams.set(key, value)
  }
  const headers = new Headers(target.headers)
  for (const [key, value] of Object.entries(renderRecord(placement.headers, scopes))) {
    headers.set(key, value)
  }
  return { url, headers }
}
