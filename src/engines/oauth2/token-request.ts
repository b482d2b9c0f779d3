import type { ClientAuthMethod, TokenRequestEncoding } from '../../kit/index.js'

export interface ClientCredentials {
  clientId: string
  clientSecret: string | null
}

export interface TokenEndpoint {
  tokenUrl: string
  clientAuth: ClientAuthMethod
  encoding: TokenRequestEncoding
  method: 'POST' | 'GET'
  /** Parameters the provider wants on every token request. */
  extraParams?: Record<string, string>
}

/**
 * Client id and secret are form-urlencoded before Basic encoding, which RFC 6749 requires and
 * many clients forget; a secret with `:` or `%` then still works.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function basicClientAuthorization(client: ClientCredentials): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+')
  const pair = `${encode(client.clientId)}:${encode(client.clientSecret ?? '')}`
  return `Basic ${Buffer.from(pair).toString('base64')}`
}

/**
 * Builds a token endpoint request for any grant: client authentication by Basic header, by body
 * parameters or in the URL's query string, parameters as form, JSON or query, sent by POST or
 * GET (GET implies query).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export function buildTokenRequest(
  endpoint: TokenEndpoint,
  client: ClientCredentials,
  grantParams: Record<string, string>,
): Request {
  const params: Record<string, string> = { ...endpoint.extraParams, ...grantParams }
  const headers = new Headers({ accept: 'application/json' })
  const url = new URL(endpoint.tokenUrl)
  if (endpoint.clientAuth === 'client_secret_basic' && client.clientSecret !== null) {
    headers.set('authorization', basicClientAuthorization(client))
  } else if (endpoint.clientAuth === 'client_secret_query') {
    // Some providers read the client from the URL alone, whatever carries the grant parameters.
    url.searchParams.set('client_id', client.clientId)
    if (client.clientSecret !== null) url.searchParams.set('client_secret', client.clientSecret)
  } else {
    params['client_id'] = client.clientId
    if (client.clientSecret !== null) params['client_secret'] = client.clientSecret
  }
  const encoding = endpoint.method === 'GET' ? 'query' : endpoint.encoding
  if (encoding === 'query') {
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
    return new Request(url, { method: endpoint.method, headers })
  }
  if (encoding === 'json') {
    headers.set('content-type', 'application/json')
    return new Request(url, { method: 'POST', headers, body: JSON.stringify(params) })
  }
  headers.set('content-type', 'application/x-www-form-urlencoded')
  return new Request(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() })
}

/**
 * Exchanges an authorization code (with its PKCE verifier) for tokens.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 */
export function buildCodeExchange(
  endpoint: TokenEndpoint,
  client: ClientCredentials,
  input: { code: string; redirectUri: string; codeVerifier?: string | null },
): Request {
  const params: Record<string, string> = {
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
  }
  if (input.codeVerifier) params['code_verifier'] = input.codeVerifier
  return buildTokenRequest(endpoint, client, params)
}

/**
 * Trades a refresh token for a new access token.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function buildRefreshRequest(
  endpoint: TokenEndpoint,
  client: ClientCredentials,
  input: { refreshToken: string; scopes?: string[]; scopeDelimiter?: string },
): Request {
  const params: Record<string, string> = {
    grant_type: 'refresh_token',
    refresh_token: input.refreshToken,
  }
  if (input.scopes && input.scopes.length > 0) {
    params['scope'] = input.scopes.join(input.scopeDelimiter ?? ' ')
  }
  return buildTokenRequest(endpoint, client, params)
}

/**
 * Requests a token for the client itself (machine to machine).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export function buildClientCredentialsRequest(
  endpoint: TokenEndpoint,
  client: ClientCredentials,
  input: { scopes?: string[]; scopeDelimiter?: string } = {},
): Request {
  const params: Record<string, string> = { grant_type: 'client_credentials' }
  if (input.scopes && input.scopes.length > 0) {
    params['scope'] = input.scopes.join(input.scopeDelimiter ?? ' ')
  }
  return buildTokenRequest(endpoint, client, params)
}
