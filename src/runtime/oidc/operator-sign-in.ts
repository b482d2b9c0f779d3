import { randomBytes } from 'node:crypto'
import { isPatchbayError } from '../../errors.js'
import { oauth2 as oauth2Engine } from '../../engines/index.js'
import type { ClientAuthMethod } from '../../kit/index.js'
import type { FetchLike } from '../fetch/fetch-like.js'
import type { OidcDiscovery } from './oidc-discovery.js'
import { verifiedIdTokenClaims } from './oidc.js'

/** How long a started sign-in may take before its callback is refused, in seconds. */
export const OPERATOR_SIGN_IN_SECONDS = 600

/** The dashboard's OpenID client (`PATCHBAY_DASHBOARD_OIDC_*`, issuer `PATCHBAY_OIDC_ISSUER`). */
export interface OperatorOidcConfig {
  issuer: string
  clientId: string
  /** Null for a public client, which then relies on PKCE alone. */
  clientSecret: string | null
  /** Emails, `sub`s or `@domain`s allowed in; empty lets anyone the issuer signs in. */
  allowed: readonly string[]
}

/** A started sign-in: where to send the browser, and what the browser must bring back. */
export interface OperatorSignInStart {
  url: string
  /**
   * The state, nonce and PKCE verifier with the start time, for an HttpOnly cookie: the flow
   * needs no server-side storage, so any instance behind a load balancer can finish it.
   */
  pending: string
}

/** How a callback ended: who signed in, or a sentence for the sign-in page (never a secret). */
export type OperatorSignInResult =
  | { ok: true; subject: string; email: string | null }
  | { ok: false; status: 400 | 403 | 502; message: string }

export interface OperatorOidc {
  /** The issuer's host, for the "Sign in with …" button. */
  readonly issuerHost: string
  start(): Promise<OperatorSignInStart>
  finish(query: URLSearchParams, pending: string | undefined): Promise<OperatorSignInResult>
}

const random = (bytes: number) => randomBytes(bytes).toString('base64url')

/** `client_secret_basic` unless the issuer lists only `client_secret_post` (OIDC Discovery's default). */
function clientAuthFor(announced: readonly string[] | undefined): ClientAuthMethod {
  if (!announced || announced.length === 0 || announced.includes('client_secret_basic')) return 'client_secret_basic'
  return 'client_secret_post'
}

/** Whether an identity is on the allow list: its `sub`, its verified email, or its email's `@domain`. */
export function operatorAllowed(allowed: readonly string[], subject: string, email: string | null): boolean {
  if (allowed.length === 0) return true
  const address = email?.toLowerCase() ?? null
  return allowed.some((entry) => {
    const wanted = entry.toLowerCase()
    if (entry === subject) return true
    if (address === null) return false
    return wanted.startsWith('@') ? address.endsWith(wanted) : address === wanted
  })
}

/**
 * The operator dashboard's sign-in through an OpenID Provider: the authorization-code flow with
 * a 128-bit state, PKCE S256 and a nonce, the code exchanged at the discovered token endpoint,
 * and the ID token verified like a connection's (signature, `iss`, `aud`, `exp`, `nonce`, `azp`).
 */
export function createOperatorOidc(
  config: OperatorOidcConfig,
  deps: { discovery: OidcDiscovery; redirectUri: string; fetch?: FetchLike; now?: () => number },
): OperatorOidc {
  const fetchImpl = deps.fetch ?? ((input, init) => fetch(input, init))
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000))
  const client = { clientId: config.clientId, clientSecret: config.clientSecret }
  const issuerHost = new URL(config.issuer).host
  const refused = (status: 400 | 403 | 502, message: string): OperatorSignInResult => ({ ok: false, status, message })

  return {
    issuerHost,
    async start() {
      const metadata = await deps.discovery.metadata(config.issuer)
      const state = random(16)
      const nonce = random(16)
      const verifier = oauth2Engine.codeVerifierFrom(randomBytes(32))
      const url = oauth2Engine.buildAuthorizationUrl({
        authorizationUrl: metadata.authorizationEndpoint,
        clientId: config.clientId,
        redirectUri: deps.redirectUri,
        state,
        scopes: ['openid', 'email', 'profile'],
        scopeDelimiter: ' ',
        codeChallenge: oauth2Engine.codeChallengeS256(verifier),
        extraParams: { nonce },
      })
      return { url: url.toString(), pending: [state, nonce, verifier, now()].join('.') }
    },
    async finish(query, pending) {
      const callback = oauth2Engine.readAuthorizationCallback(query)
      if (!callback.ok && callback.error === 'access_denied') {
        return refused(403, 'The sign-in was cancelled or refused at the identity provider.')
      }
      const [state, nonce, verifier, startedAt] = (pending ?? '').split('.')
      if (!state || !nonce || !verifier || callback.state !== state) {
        return refused(400, 'This sign-in was not started in this browser, or was already used: start it again.')
      }
      const started = Number(startedAt)
      if (!Number.isSafeInteger(started) || now() - started > OPERATOR_SIGN_IN_SECONDS) {
        return refused(400, 'This sign-in took more than 10 minutes: start it again.')
      }
      if (!callback.ok) {
        return refused(400, `The identity provider answered ${callback.error}: the sign-in did not complete.`)
      }
      try {
        const metadata = await deps.discovery.metadata(config.issuer)
        const endpoint = {
          tokenUrl: metadata.tokenEndpoint,
          clientAuth: clientAuthFor(metadata.tokenEndpointAuthMethodsSupported),
          encoding: 'form' as const,
          method: 'POST' as const,
        }
        const request = oauth2Engine.buildCodeExchange(endpoint, client, {
          code: callback.code,
          redirectUri: deps.redirectUri,
          codeVerifier: verifier,
        })
        const tokens = await oauth2Engine.readTokenResponse(await fetchImpl(request), {
          now: now(),
          grant: 'authorization_code',
        })
        if (!tokens.idToken) return refused(502, 'The identity provider returned no ID token.')
        const claims = await verifiedIdTokenClaims(
          deps.discovery,
          { issuer: config.issuer, clientId: config.clientId, nonce, now: now() },
          tokens.idToken,
        )
        const subject = claims['sub'] as string
        // An address the provider has not verified could be anyone's: it never opens the dashboard.
        const email = typeof claims['email'] === 'string' && claims['email_verified'] !== false ? claims['email'] : null
        if (!operatorAllowed(config.allowed, subject, email)) {
          return refused(403, `${email ?? subject} signed in at ${issuerHost} but is not allowed into this dashboard (PATCHBAY_DASHBOARD_OIDC_ALLOWED).`)
        }
        return { ok: true, subject, email }
      } catch (error) {
        // PatchbayError messages name the failed check, never a token or the client secret.
        if (isPatchbayError(error)) return refused(502, `The sign-in could not be completed: ${error.message}`)
        throw error
      }
    },
  }
}
