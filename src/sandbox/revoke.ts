import { json, methodNotAllowed, readParams } from './http.js'
import type { SandboxState } from './state.js'
import { authenticateClient } from './token.js'

function refuse(
  status: number,
  error: string,
  description: string,
  headers?: HeadersInit,
): Response {
  return json(
    status,
    { error, error_description: description },
    { 'cache-control': 'no-store', ...headers },
  )
}

/**
 * `POST /oauth/revoke`: token revocation. The client must authenticate (as at the token
 * endpoint); a token it does not own is refused; an unknown token answers 200, like a revoked
 * one. Exactly the presented token dies, with no cascade, so a test can see each revocation.
 * The `failRevocation` switch answers 503 instead. Counted in `stats().revocationRequests`.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function handleRevoke(state: SandboxState, req: Request): Promise<Response> {
  if (req.method !== 'POST') return methodNotAllowed(['POST'])
  state.stats.revocationRequests += 1
  if (state.config.failRevocation) {
    return refuse(503, 'temporarily_unavailable', 'Revocation is down for maintenance', {
      'retry-after': '30',
    })
  }
  const read = await readParams(req, { query: false })
  if (!read.ok) return refuse(400, 'invalid_request', read.description)
  const auth = authenticateClient(state, req, read.params)
  if (!auth.ok) return auth.response
  const token = read.params.get('token')
  if (token === undefined) return refuse(400, 'invalid_request', 'token is missing')
  // The hint only orders the search (RFC 7009 section 2.1); both kinds are looked at.
  const hint = read.params.get('token_type_hint')
  const kinds = hint === 'access_token' ? ['access', 'refresh'] : ['refresh', 'access']
  for (const kind of kinds) {
    const owner =
      kind === 'refresh'
        ? state.refreshTokens.get(token)?.clientId
        : (() => {
            const record = state.accessTokens.get(token)
            return record?.kind === 'oauth' ? record.clientId : undefined
          })()
    if (owner === undefined) continue
    if (owner !== auth.client.clientId) {
      return refuse(400, 'unauthorized_client', 'The token was issued to another client')
    }
    if (kind === 'refresh') state.refreshTokens.delete(token)
    else state.accessTokens.delete(token)
    break
  }
  return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } })
}
