import { renderRecord } from '../../common/index.js'
import { PatchbayError } from '../../errors.js'
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
    // A credential with CR, LF or NUL would end the header line: bad input, never a crash.
    // The message names the header, never the value, which is a secret.
    if (/[\r\n\0]/.test(value)) {
      throw new PatchbayError('bad_request', `The credentials cannot be sent in the "${key}" header: they contain a line break or NUL`, {
        details: { problems: [`headers.${key}: no CR, LF or NUL`] },
      })
    }
    headers.set(key, value)
  }
  return { url, headers }
}
