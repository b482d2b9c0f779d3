import { mediaType } from './http.js'
import {
  baseString,
  parseAuthorization,
  signatureMatches,
  SIGNATURE_METHODS,
} from './oauth1-signature.js'
import type { Pair, SignatureMethod } from './oauth1-signature.js'
import { oauth1StateOf, TIMESTAMP_WINDOW_SECONDS } from './oauth1-state.js'
import type { SandboxState } from './state.js'
import type { SandboxClient } from './types.js'

/**
 * An OAuth problem answer, as the de facto Problem Reporting extension words it: the status
 * RFC 5849 section 3.2 gives (400 for a malformed request, 401 for bad credentials), and a
 * form-encoded body with `oauth_problem`.
 */
export function problem(
  status: 400 | 401 | 403,
  name: string,
  advice: string,
  extra: Record<string, string> = {},
): Response {
  const body = new URLSearchParams({ oauth_problem: name, oauth_problem_advice: advice, ...extra })
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (status === 401) headers['www-authenticate'] = 'OAuth realm="sandbox"'
  return new Response(body.toString(), { status, headers })
}

/** Which token a request must be signed with. */
type TokenKind = 'none' | 'request' | 'access'

/** A request whose signature checked out: who sent it, with which token, and what it carried. */
interface VerifiedRequest {
  client: SandboxClient
  token: string | null
  /** Every parameter of the request: query, form body and protocol parameters. */
  params: Pair[]
  /** The body as received, for endpoints that echo it. */
  body: string
}

const REQUIRED = ['oauth_consumer_key', 'oauth_signature_method', 'oauth_signature'] as const

/**
 * Checks an OAuth 1.0a request strictly: protocol parameters once each (from the Authorization
 * header, the form body or the query), version 1.0, a supported signature method, a known
 * consumer, the token of the expected kind belonging to that consumer, a timestamp within five
 * minutes, a valid signature made with the consumer secret and that token's own secret, and a
 * nonce not seen before with the same timestamp.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.2
 */
export async function verifyOAuth1(
  state: SandboxState,
  req: Request,
  kind: TokenKind,
): Promise<{ ok: true; request: VerifiedRequest } | { ok: false; response: Response }> {
  const fail = (response: Response) => ({ ok: false as const, response })
  const url = new URL(req.url)
  const header = parseAuthorization(req.headers.get('authorization'))
  if (header === undefined)
    return fail(problem(400, 'parameter_rejected', 'The Authorization header is malformed'))
  const body = req.method === 'GET' || req.method === 'HEAD' ? '' : await req.text()
  const form = mediaType(req.headers.get('content-type')) === 'application/x-www-form-urlencoded'
  const params: Pair[] = [
    ...url.searchParams,
    ...(form ? new URLSearchParams(body) : []),
    ...(header ?? []),
  ]

  const protocol = new Map<string, string>()
  for (const [name, value] of params) {
    if (!name.startsWith('oauth_')) continue
    if (protocol.has(name))
      return fail(problem(400, 'parameter_rejected', `${name} appears more than once`))
    protocol.set(name, value)
  }
  const method = protocol.get('oauth_signature_method')
  const required: string[] = [...REQUIRED]
  // PLAINTEXT may leave out the timestamp and nonce (RFC 5849 section 3.1); the others may not.
  if (method !== 'PLAINTEXT') required.push('oauth_timestamp', 'oauth_nonce')
  if (kind !== 'none') required.push('oauth_token')
  const absent = required.filter((name) => !protocol.get(name))
  if (absent.length > 0) {
    return fail(
      problem(400, 'parameter_absent', `Missing ${absent.join(', ')}`, {
        oauth_parameters_absent: absent.join('&'),
      }),
    )
  }
  if (kind === 'none' && protocol.has('oauth_token')) {
    return fail(problem(400, 'parameter_rejected', 'oauth_token does not belong on this request'))
  }
  const version = protocol.get('oauth_version')
  if (version !== undefined && version !== '1.0') {
    return fail(
      problem(400, 'version_rejected', 'oauth_version must be 1.0', {
        oauth_acceptable_versions: '1.0-1.0',
      }),
    )
  }
  if (!SIGNATURE_METHODS.includes(method as SignatureMethod)) {
    return fail(problem(400, 'signature_method_rejected', `${method} is not supported`))
  }

  const sandbox = oauth1StateOf(state)
  const client = state.clients.get(protocol.get('oauth_consumer_key')!)
  if (!client) return fail(problem(401, 'consumer_key_unknown', 'Unknown oauth_consumer_key'))

  const token = protocol.get('oauth_token') ?? null
  let tokenSecret = ''
  if (kind === 'request') {
    const record = sandbox.requestTokens.get(token!)
    if (!record || record.consumerKey !== client.clientId) {
      return fail(problem(401, 'token_rejected', 'The request token is unknown or was used'))
    }
    if (record.expiresAt <= state.now())
      return fail(problem(401, 'token_expired', 'The request token expired'))
    tokenSecret = record.secret
  } else if (kind === 'access') {
    const record = sandbox.accessTokens.get(token!)
    if (!record || record.consumerKey !== client.clientId) {
      const revoked = sandbox.revoked.has(token!)
      return fail(
        problem(401, revoked ? 'token_revoked' : 'token_rejected', 'The access token is not valid'),
      )
    }
    tokenSecret = record.secret
  }

  const nowSeconds = Math.floor(state.now() / 1000)
  const timestamp = protocol.get('oauth_timestamp')
  if (timestamp !== undefined) {
    if (
      !/^\d{1,12}$/.test(timestamp) ||
      Math.abs(Number(timestamp) - nowSeconds) > TIMESTAMP_WINDOW_SECONDS
    ) {
      return fail(
        problem(401, 'timestamp_refused', 'oauth_timestamp is too far from the current time', {
          oauth_acceptable_timestamps: `${nowSeconds - TIMESTAMP_WINDOW_SECONDS}-${nowSeconds + TIMESTAMP_WINDOW_SECONDS}`,
        }),
      )
    }
  }

  const base = baseString(req.method, url, params)
  const keys = { clientSecret: client.clientSecret, tokenSecret }
  if (!signatureMatches(method as SignatureMethod, base, protocol.get('oauth_signature')!, keys)) {
    return fail(problem(401, 'signature_invalid', 'The signature does not match the request'))
  }

  const nonce = protocol.get('oauth_nonce')
  if (nonce !== undefined) {
    const now = state.now()
    for (const [seen, until] of sandbox.nonces) if (until <= now) sandbox.nonces.delete(seen)
    const key = [client.clientId, token ?? '', timestamp ?? '', nonce].join('&')
    if (sandbox.nonces.has(key))
      return fail(problem(401, 'nonce_used', 'This nonce was already used'))
    sandbox.nonces.set(key, now + 2 * TIMESTAMP_WINDOW_SECONDS * 1000)
  }
  return { ok: true, request: { client, token, params, body } }
}
