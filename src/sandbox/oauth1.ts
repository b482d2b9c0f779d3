import { isAllowedRedirectUri } from './authorize.js'
import { renderConsentPage, renderErrorPage } from './consent-page.js'
import { html, json, methodNotAllowed, readParams, redirect } from './http.js'
import { oauth1StateOf, REQUEST_TOKEN_TTL_MS } from './oauth1-state.js'
import type { OAuth1State } from './oauth1-state.js'
import { problem, verifyOAuth1 } from './oauth1-verify.js'
import { randomToken, safeEqual } from './secrets.js'
import { SANDBOX_ME, SANDBOX_USER } from './state.js'
import type { SandboxState } from './state.js'

function formResponse(fields: Record<string, string>): Response {
  return new Response(new URLSearchParams(fields).toString(), {
    status: 200,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-store' },
  })
}

function issue(state: SandboxState, bytes: number): string {
  const value = randomToken(bytes)
  state.issued.add(value)
  return value
}

/**
 * `POST /oauth1/request_token` (GET too): temporary credentials for a consumer whose request is
 * signed with its secret alone and names an `oauth_callback` on loopback (or `oob`).
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.1
 */
async function handleRequestToken(state: SandboxState, req: Request): Promise<Response> {
  if (req.method !== 'POST' && req.method !== 'GET') return methodNotAllowed(['POST', 'GET'])
  const verified = await verifyOAuth1(state, req, 'none')
  if (!verified.ok) return verified.response
  const { client, params } = verified.request
  const callback = params.find(([name]) => name === 'oauth_callback')?.[1]
  if (!callback) {
    return problem(400, 'parameter_absent', 'oauth_callback is required', {
      oauth_parameters_absent: 'oauth_callback',
    })
  }
  if (callback !== 'oob' && !isAllowedRedirectUri(client, callback)) {
    return problem(400, 'parameter_rejected', 'oauth_callback is not allowed for this consumer')
  }
  const token = issue(state, 18)
  const secret = issue(state, 18)
  oauth1StateOf(state).requestTokens.set(token, {
    consumerKey: client.clientId,
    secret,
    callback,
    expiresAt: state.now() + REQUEST_TOKEN_TTL_MS,
  })
  return formResponse({
    oauth_token: token,
    oauth_token_secret: secret,
    oauth_callback_confirmed: 'true',
  })
}

function findPending(sandbox: OAuth1State, state: SandboxState, token: string | undefined) {
  const record = token === undefined ? undefined : sandbox.requestTokens.get(token)
  if (!record || record.expiresAt <= state.now()) return undefined
  return record
}

function backTo(callback: string, params: Record<string, string>): Response {
  if (callback === 'oob') {
    const shown = Object.entries(params)
      .map(([name, value]) => `${name}: ${value}`)
      .join(', ')
    return html(200, renderErrorPage('out_of_band', `Enter this in the application: ${shown}`))
  }
  const url = new URL(callback)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return redirect(url.href)
}

/**
 * `GET /oauth1/authorize?oauth_token=…` shows the consent page (or approves at once with
 * `autoApprove`); `POST /oauth1/authorize` takes the decision. Approval sends the user back with
 * `oauth_token` and a single-use `oauth_verifier`; denial with `denied=<token>`, as Twitter does.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.2
 */
async function handleOAuth1Authorize(state: SandboxState, req: Request): Promise<Response> {
  if (req.method !== 'GET' && req.method !== 'POST') return methodNotAllowed(['GET', 'POST'])
  const read = await readParams(req, { query: req.method === 'GET' })
  if (!read.ok) return html(400, renderErrorPage('invalid_request', read.description))
  const sandbox = oauth1StateOf(state)
  const token = read.params.get('oauth_token')
  const record = findPending(sandbox, state, token)
  if (!record || token === undefined) {
    return html(400, renderErrorPage('token_rejected', 'The request token is unknown or expired'))
  }
  if (record.verifier !== undefined) {
    return html(400, renderErrorPage('token_used', 'This request token was already authorized'))
  }
  const approve = () => {
    record.verifier = issue(state, 18)
    return backTo(record.callback, { oauth_token: token, oauth_verifier: record.verifier })
  }
  if (req.method === 'GET') {
    if (state.config.autoApprove) return approve()
    return html(
      200,
      renderConsentPage({
        clientId: record.consumerKey,
        scopes: [],
        hidden: new Map([['oauth_token', token]]),
        action: '/oauth1/authorize',
      }),
    )
  }
  const decision = read.params.get('decision')
  if (decision === 'approve') return approve()
  if (decision === 'deny') {
    sandbox.requestTokens.delete(token)
    return backTo(record.callback, { denied: token })
  }
  return html(400, renderErrorPage('invalid_request', 'decision must be approve or deny'))
}

/**
 * `POST /oauth1/access_token` (GET too): trades an authorized request token and its verifier
 * for token credentials. The request must be signed with the request token's own secret; the
 * token is spent by the first signed attempt, right or wrong, so a verifier works once.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.3
 */
async function handleAccessToken(state: SandboxState, req: Request): Promise<Response> {
  if (req.method !== 'POST' && req.method !== 'GET') return methodNotAllowed(['POST', 'GET'])
  const verified = await verifyOAuth1(state, req, 'request')
  if (!verified.ok) return verified.response
  const { client, token, params } = verified.request
  const sandbox = oauth1StateOf(state)
  const record = sandbox.requestTokens.get(token!)!
  sandbox.requestTokens.delete(token!)
  const verifier = params.find(([name]) => name === 'oauth_verifier')?.[1]
  if (record.verifier === undefined) {
    return problem(401, 'permission_unknown', 'The user has not authorized this request token')
  }
  if (verifier === undefined || !safeEqual(verifier, record.verifier)) {
    return problem(401, 'verifier_invalid', 'oauth_verifier does not match')
  }
  const accessToken = issue(state, 24)
  const secret = issue(state, 24)
  sandbox.accessTokens.set(accessToken, { consumerKey: client.clientId, secret })
  return formResponse({
    oauth_token: accessToken,
    oauth_token_secret: secret,
    user_id: SANDBOX_USER.id,
    screen_name: SANDBOX_USER.login,
  })
}

/** `GET /oauth1/me`: the sandbox user, for a request signed with token credentials. */
async function handleOAuth1Me(state: SandboxState, req: Request): Promise<Response> {
  const verified = await verifyOAuth1(state, req, 'access')
  if (!verified.ok) return verified.response
  return json(200, SANDBOX_ME)
}

function grouped(pairs: Iterable<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of pairs) {
    const previous = out[name]
    out[name] =
      previous === undefined
        ? value
        : Array.isArray(previous)
          ? [...previous, value]
          : [previous, value]
  }
  return out
}

/**
 * `/oauth1/echo` (any method): after checking the signature, returns the method, the query and
 * the form body without the protocol parameters, so tests can see a signed request arrive whole.
 */
async function handleOAuth1Echo(state: SandboxState, req: Request): Promise<Response> {
  const verified = await verifyOAuth1(state, req, 'access')
  if (!verified.ok) return verified.response
  const url = new URL(req.url)
  const query = [...url.searchParams].filter(([name]) => !name.startsWith('oauth_'))
  const type = req.headers.get('content-type') ?? ''
  const form = type.toLowerCase().startsWith('application/x-www-form-urlencoded')
  const body = form
    ? grouped(
        [...new URLSearchParams(verified.request.body)].filter(
          ([name]) => !name.startsWith('oauth_'),
        ),
      )
    : verified.request.body || null
  return json(200, { method: req.method, query: grouped(query), body })
}

/**
 * `POST /oauth1/invalidate_token`: revokes the access token the request is signed with, as
 * Twitter's endpoint of that name does; later requests with it get `token_revoked`.
 */
async function handleInvalidateToken(state: SandboxState, req: Request): Promise<Response> {
  const verified = await verifyOAuth1(state, req, 'access')
  if (!verified.ok) return verified.response
  const sandbox = oauth1StateOf(state)
  sandbox.accessTokens.delete(verified.request.token!)
  sandbox.revoked.add(verified.request.token!)
  return json(200, { revoked: true })
}

/** The OAuth 1.0a server's routes, mounted beside the others by the sandbox handler. */
export const OAUTH1_ROUTES = {
  // Method checks live in the token and authorize handlers, which accept GET and POST.
  '/oauth1/request_token': { handle: handleRequestToken },
  '/oauth1/authorize': { handle: handleOAuth1Authorize },
  '/oauth1/access_token': { handle: handleAccessToken },
  '/oauth1/me': { methods: ['GET'], api: true, handle: handleOAuth1Me },
  '/oauth1/echo': { api: true, handle: handleOAuth1Echo },
  '/oauth1/invalidate_token': { methods: ['POST'], handle: handleInvalidateToken },
} as const
