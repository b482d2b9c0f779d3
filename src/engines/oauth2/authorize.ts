export interface AuthorizationUrlInput {
  authorizationUrl: string
  clientId: string
  redirectUri: string
  state: string
  scopes: string[]
  scopeDelimiter: string
  /** S256 challenge; omitted when PKCE is off. */
  codeChallenge?: string
  /** Provider-specific parameters (`access_type=offline`, `prompt=consent`…). */
  extraParams?: Record<string, string>
}

/**
 * Builds the URL that sends the user to the provider's consent screen. Parameters already in
 * the configured URL are kept; ours win on conflict.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export function buildAuthorizationUrl(input: AuthorizationUrlInput): URL {
  const url = new URL(input.authorizationUrl)
  for (const [key, value] of Object.entries(input.extraParams ?? {})) {
    url.searchParams.set(key, value)
  }
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', input.clientId)
  url.searchParams.set('redirect_uri', input.redirectUri)
  url.searchParams.set('state', input.state)
  if (input.scopes.length > 0) url.searchParams.set('scope', input.scopes.join(input.scopeDelimiter))
  if (input.codeChallenge !== undefined) {
    url.searchParams.set('code_challenge', input.codeChallenge)
    url.searchParams.set('code_challenge_method', 'S256')
  }
  return url
}

/** The outcome a provider reports on the callback: a code, or its own error. */
export type CallbackResult =
  | { ok: true; code: string; state: string }
  | { ok: false; state: string | null; error: string; errorDescription: string | null }

/**
 * Reads the redirect back from the provider. Checking `state` against the stored session is the
 * caller's job, since only it holds sessions.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function readAuthorizationCallback(params: URLSearchParams): CallbackResult {
  const state = params.get('state')
  const error = params.get('error')
  if (error) {
    return { ok: false, state, error, errorDescription: params.get('error_description') }
  }
  const code = params.get('code')
  if (!code || !state) {
    return {
      ok: false,
      state,
      error: 'invalid_request',
      errorDescription: 'The callback carries no code or no state',
    }
  }
  return { ok: true, code, state }
}
