import { PatchbayError } from '../../errors.js'
import type { ClientAuthMethod, JsonObject } from '../../kit/index.js'
import { readProviderBody } from '../shared/provider-body.js'
import { buildTokenRequest } from './token-request.js'
import type { ClientCredentials } from './token-request.js'

/** Which kind of token a revocation request names, as a hint to the server. */
export type TokenTypeHint = 'access_token' | 'refresh_token'

/**
 * Builds a token revocation request: `token` and `token_type_hint` form-encoded by POST, with
 * the client authenticated exactly as at the token endpoint (Basic header or body parameters).
 * The token endpoint's encoding, method and extra parameters do not apply: RFC 7009 fixes them.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export function buildRevocationRequest(
  endpoint: { revocationUrl: string; clientAuth: ClientAuthMethod },
  client: ClientCredentials,
  input: { token: string; tokenTypeHint?: TokenTypeHint },
): Request {
  const params: Record<string, string> = { token: input.token }
  if (input.tokenTypeHint) params['token_type_hint'] = input.tokenTypeHint
  return buildTokenRequest(
    {
      tokenUrl: endpoint.revocationUrl,
      clientAuth: endpoint.clientAuth,
      encoding: 'form',
      method: 'POST',
    },
    client,
    params,
  )
}

/**
 * Checks a revocation response. A 200 means the token is no longer valid, including a token
 * the server did not know (RFC 7009 answers 200 so a client cannot probe for tokens).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 * @throws PatchbayError: `rate_limited` on 503 or 429 (the server asks to retry later),
 *   `invalid_config` on `invalid_client`, `provider_error` otherwise (`unsupported_token_type`
 *   included). The provider's `error`, `error_description` and status go in `details`.
 */
export async function readRevocationResponse(response: Response): Promise<void> {
  if (response.status === 200) {
    await response.body?.cancel().catch(() => undefined)
    return
  }
  const body = await readProviderBody(response)
  const fields: JsonObject =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}
  const error =
    typeof fields['error'] === 'string' && fields['error']
      ? fields['error']
      : `http_${response.status}`
  const description =
    typeof fields['error_description'] === 'string' && fields['error_description']
      ? fields['error_description']
      : null
  const code =
    response.status === 503 || response.status === 429
      ? 'rate_limited'
      : error === 'invalid_client' || error === 'unauthorized_client'
        ? 'invalid_config'
        : 'provider_error'
  throw new PatchbayError(
    code,
    `Token revocation failed: ${error}${description ? ` (${description})` : ''}`,
    {
      details: {
        error,
        ...(description ? { error_description: description } : {}),
        status: response.status,
        ...(response.headers.get('retry-after')
          ? { retry_after: response.headers.get('retry-after') as string }
          : {}),
      },
    },
  )
}
