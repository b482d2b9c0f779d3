import { renderConsentPage, renderErrorPage } from './consent-page.js'
import { html, methodNotAllowed, readParams, redirect } from './http.js'
import type { Params } from './http.js'
import { checkAuthorizeQuirks } from './quirks.js'
import { issueCode } from './state.js'
import type { SandboxState } from './state.js'
import type { SandboxClient } from './types.js'

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** The authorization request parameters carried through the consent form. */
const FORWARDED_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
] as const

/**
 * True when `client` may be sent back to `uri`: an exact match with a registered URI or, for a
 * client with none registered, any http(s) URI on loopback.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function isAllowedRedirectUri(client: SandboxClient, uri: string): boolean {
  if (client.redirectUris.length > 0) return client.redirectUris.includes(uri)
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  // A fragment in a redirect URI is forbidden outright (RFC 6749 section 3.1.2).
  if (uri.includes('#') || url.username !== '' || url.password !== '') return false
  return LOOPBACK_HOSTS.has(url.hostname)
}

/**
 * Splits a scope parameter into distinct scope tokens, or `undefined` when a token holds a
 * character the grammar forbids.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function parseScope(scope: string | undefined): string[] | undefined {
  const tokens = (scope ?? '').split(' ').filter((token) => token !== '')
  if (!tokens.every((token) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(token))) return undefined
  return [...new Set(tokens)]
}

type Checked =
  | { kind: 'page'; error: string; description: string }
  | { kind: 'redirect'; to: URL }
  | {
      kind: 'ok'
      client: SandboxClient
      redirectUri: string
      scopes: string[]
      state?: string
      codeChallenge?: string
      /** OpenID Connect's nonce, echoed in the ID token. */
      nonce?: string
    }

function withParams(uri: string, params: Record<string, string | undefined>): URL {
  const url = new URL(uri)
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value)
  }
  return url
}

/**
 * Validates an authorization request. Until client and redirect URI are known good, errors are
 * shown on a page; after that they go back to the client, as RFC 6749 section 4.1.2.1 demands.
 */
function checkRequest(state: SandboxState, params: Params): Checked {
  const clientId = params.get('client_id')
  if (clientId === undefined) {
    return { kind: 'page', error: 'invalid_request', description: 'client_id is missing' }
  }
  const client = state.clients.get(clientId)
  if (!client) {
    return { kind: 'page', error: 'invalid_client', description: 'Unknown client_id' }
  }
  const redirectUri = params.get('redirect_uri')
  if (redirectUri === undefined) {
    return { kind: 'page', error: 'invalid_request', description: 'redirect_uri is missing' }
  }
  if (!isAllowedRedirectUri(client, redirectUri)) {
    return {
      kind: 'page',
      error: 'invalid_request',
      description: 'redirect_uri is not registered for this client',
    }
  }

  const clientState = params.get('state')
  const fail = (error: string, description: string): Checked => ({
    kind: 'redirect',
    to: withParams(redirectUri, { error, error_description: description, state: clientState }),
  })
  const responseType = params.get('response_type')
  if (responseType === undefined) return fail('invalid_request', 'response_type is missing')
  if (responseType !== 'code') {
    return fail('unsupported_response_type', 'Only response_type=code is supported')
  }
  const scopes = parseScope(params.get('scope'))
  if (!scopes) return fail('invalid_scope', 'The scope parameter is malformed')

  const challenge = params.get('code_challenge')
  const method = params.get('code_challenge_method')
  if (challenge === undefined) {
    if (method !== undefined) {
      return fail('invalid_request', 'code_challenge_method given without code_challenge')
    }
    if (client.requirePkce) return fail('invalid_request', 'PKCE code_challenge is required')
  } else {
    // Without a method the challenge means "plain" (RFC 7636 section 4.3), which we refuse.
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256')
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return fail('invalid_request', 'code_challenge is not a base64url SHA-256 digest')
    }
  }

  return {
    kind: 'ok',
    client,
    redirectUri,
    scopes,
    ...(clientState === undefined ? {} : { state: clientState }),
    ...(challenge === undefined ? {} : { codeChallenge: challenge }),
    ...(params.get('nonce') === undefined ? {} : { nonce: params.get('nonce') as string }),
  }
}

function approve(state: SandboxState, checked: Extract<Checked, { kind: 'ok' }>): Response {
  const code = issueCode(state, {
    clientId: checked.client.clientId,
    redirectUri: checked.redirectUri,
    scope: checked.scopes.join(' '),
    ...(checked.codeChallenge === undefined ? {} : { codeChallenge: checked.codeChallenge }),
    ...(checked.nonce === undefined ? {} : { nonce: checked.nonce }),
  })
  return redirect(withParams(checked.redirectUri, { code, state: checked.state }).href)
}

/**
 * `GET /oauth/authorize` shows the consent page (or approves at once with `autoApprove`);
 * `POST /oauth/authorize` takes the page's decision.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.4
 */
export async function handleAuthorize(state: SandboxState, req: Request): Promise<Response> {
  if (req.method !== 'GET' && req.method !== 'POST') return methodNotAllowed(['GET', 'POST'])
  // The query string is the request on GET; the consent form posts its fields in the body.
  const read = await readParams(req, { query: req.method === 'GET' })
  if (!read.ok) return html(400, renderErrorPage('invalid_request', read.description))
  const checked = checkRequest(state, read.params)
  if (checked.kind === 'page') return html(400, renderErrorPage(checked.error, checked.description))
  if (checked.kind === 'redirect') return redirect(checked.to.href)
  const refused = checkAuthorizeQuirks(checked, req, read.params)
  if (refused) return refused

  if (req.method === 'GET') {
    if (state.config.autoApprove) return approve(state, checked)
    const hidden = new Map<string, string>()
    for (const name of FORWARDED_PARAMS) {
      const value = read.params.get(name)
      if (value !== undefined) hidden.set(name, value)
    }
    const clientId = checked.client.clientId
    return html(200, renderConsentPage({ clientId, scopes: checked.scopes, hidden }))
  }

  const decision = read.params.get('decision')
  if (decision === 'approve') return approve(state, checked)
  if (decision === 'deny') {
    const to = withParams(checked.redirectUri, {
      error: 'access_denied',
      error_description: 'The user denied the request',
      state: checked.state,
    })
    return redirect(to.href)
  }
  return html(400, renderErrorPage('invalid_request', 'decision must be approve or deny'))
}
