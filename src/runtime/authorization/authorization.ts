import { PatchbayError } from '../../errors.js'
import { oauth2 as oauth2Engine } from '../../engines/index.js'
import { isJsonObject, schemeFactsOf } from '../../kit/index.js'
import type { Connector, JsonObject, OAuth2Scheme } from '../../kit/index.js'
import type { AuthSession, Connection, Integration } from '../../store/index.js'
import type { RuntimeDeps } from '../deps.js'
import { finishAuthorizedConnection, providerRefusal } from '../connections/finish-connection.js'
import {
  clientOf,
  credentialsFromTokens,
  obtainTokens,
  resolveUrlProperty,
  tokenEndpointOf,
} from '../credentials/token-endpoint.js'
import type { IssuedCredentials } from '../credentials/token-endpoint.js'
import { parseSettings } from '../capabilities/capabilities.js'
import { oidcAuthorizationParts, verifyIdToken } from '../oidc/oidc.js'
import { redactError } from '../redact.js'
import { boundSessionKey, newFlowBinding, presentedBinding, unknownFlow } from './flow-binding.js'
import type { FlowBinding, FlowKind } from './flow-binding.js'
import { unknownIntegration } from '../unknown-integration.js'

/** Auth sessions live 10 minutes: long enough to consent, short enough to be worthless later. */
export const AUTH_SESSION_SECONDS = 600

export interface BeginAuthorizationOptions {
  /** Re-authorize this connection instead of creating a new one. */
  connectionId?: string
  /** Where to send the browser when done; must be on the allow-list. */
  redirect?: string
  settings?: JsonObject
  createdBy?: string
  /**
   * What started the flow (the Connect page records its session here): kept sealed with the auth
   * session and handed back at the callback.
   */
  startedFrom?: JsonObject
  /**
   * The callback URL for this flow instead of the integration's: the terminal connect command
   * listens on loopback. Only library callers (not HTTP input) may set it.
   */
  redirectUri?: string
  /** A sign-in flow is stored apart from connect flows (only the runtime's sign-in sets it). */
  kind?: FlowKind
}

export interface AuthorizationStart {
  url: string
  state: string
  expiresAt: number
  /**
   * The secret binding the flow to its starter: the callback must present it
   * ({@link CompleteAuthorizationOptions.binding}), or it is refused with `state_mismatch`.
   * Never put it in a URL.
   */
  binding: string
  /** Where the provider sends the browser back (the flow's redirect URI). */
  callbackUrl: string
  /** Whether the provider comes back by a cross-site POST (`response_mode=form_post`). */
  returnsByPost: boolean
}

/** The callback URL of an integration: its own, or `{publicUrl}/auth/{id}/callback`. */
export function redirectUriOf(deps: RuntimeDeps, integration: Integration): string {
  return (
    integration.redirectUri ??
    `${deps.publicUrl.replace(/\/+$/, '')}/auth/${encodeURIComponent(integration.id)}/callback`
  )
}

/**
 * Checks a redirect target against the allow-list (Patchbay's own origin and the configured ones).
 * @throws PatchbayError `bad_request`
 */
export function checkRedirect(deps: RuntimeDeps, redirect: string | undefined): string | null {
  if (redirect === undefined || redirect === '') return null
  let target: URL
  try {
    target = new URL(redirect)
  } catch {
    throw new PatchbayError('bad_request', 'redirect must be an absolute URL')
  }
  // `blob:https://patchbay/…` reports Patchbay's own origin; only a page address may be a target.
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new PatchbayError('bad_request', 'redirect must be an http(s) URL', {
      details: { problems: [`redirect: ${target.protocol} URLs are not allowed`] },
    })
  }
  const origin = target.origin
  const allowed = [new URL(deps.publicUrl).origin, ...deps.allowedRedirectOrigins]
  if (!allowed.includes(origin)) {
    throw new PatchbayError(
      'bad_request',
      `redirect origin ${origin} is not on the allow-list: add it to PATCHBAY_REDIRECT_ORIGINS` +
        ' (comma-separated origins; `allowedRedirectOrigins` in createPatchbay)',
      { details: { origin } },
    )
  }
  return redirect
}

/** The integration and its OAuth 2 authorization-code scheme, or a clear refusal. */
export async function oauthIntegration(deps: RuntimeDeps, integrationId: string) {
  const integration = await deps.store.getIntegration(integrationId)
  if (!integration) throw unknownIntegration(integrationId)
  const connector = deps.registry.get(integration.connectorId)
  const scheme = connector.auth
  if (scheme.type !== 'oauth2' || !schemeFactsOf(scheme).usesRedirect(scheme)) {
    throw new PatchbayError(
      'bad_request',
      `Integration "${integrationId}" uses ${schemeFactsOf(scheme).label(scheme)}; create its connections with POST /connections`,
    )
  }
  return { integration, connector, scheme }
}

/** The scopes asked for: the integration's override, else the connector's and its capabilities'. */
function scopesOf(integration: Integration, scheme: OAuth2Scheme, capabilityScopes: string[]) {
  if (integration.scopes) return integration.scopes
  return [...new Set([...scheme.scopes, ...capabilityScopes])]
}

/**
 * Starts an OAuth 2 authorization: a 128-bit state and a PKCE verifier kept server-side for
 * 10 minutes, and the provider URL to send the browser to.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export async function beginOAuth2Authorization(
  deps: RuntimeDeps,
  integrationId: string,
  options: BeginAuthorizationOptions = {},
): Promise<AuthorizationStart> {
  const { integration, connector, scheme } = await oauthIntegration(deps, integrationId)
  const redirect = checkRedirect(deps, options.redirect)
  if (options.connectionId) {
    const existing = await deps.store.getConnection(options.connectionId)
    if (existing && existing.integrationId !== integration.id) {
      throw new PatchbayError('bad_request', `Connection "${options.connectionId}" belongs to another integration`)
    }
  }
  const settings = parseSettings(connector, options.settings ?? {})
  const authorizationUrl = scheme.authorizationUrl
  if (authorizationUrl === undefined) {
    throw new PatchbayError('invalid_config', `Connector "${connector.id}" has no authorizationUrl`)
  }
  const state = Buffer.from(deps.random(16)).toString('base64url')
  const codeVerifier = scheme.pkce ? oauth2Engine.codeVerifierFrom(deps.random(32)) : null
  const redirectUri = options.redirectUri ?? redirectUriOf(deps, integration)
  const client = clientOf(integration, {})
  const capabilityScopes = Object.values(connector.capabilities).flatMap((c) => c.scopes ?? [])
  const oidc = oidcAuthorizationParts(deps, scheme)
  const url = oauth2Engine.buildAuthorizationUrl({
    authorizationUrl: await resolveUrlProperty(authorizationUrl, settings, scheme.urlPolicy),
    clientId: client.clientId,
    redirectUri,
    state,
    scopes: scopesOf(integration, scheme, capabilityScopes),
    scopeDelimiter: scheme.scopeDelimiter,
    ...(codeVerifier ? { codeChallenge: oauth2Engine.codeChallengeS256(codeVerifier) } : {}),
    extraParams: { ...scheme.authorizationParams, ...oidc.params },
  })
  const expiresAt = deps.now() + AUTH_SESSION_SECONDS
  const binding = newFlowBinding(deps)
  await deps.store.createAuthSession({
    state: boundSessionKey(integration.id, state, binding, options.kind),
    integrationId: integration.id,
    connectionId: options.connectionId ?? null,
    redirect,
    data: {
      codeVerifier,
      redirectUri,
      settings,
      createdBy: options.createdBy ?? null,
      ...oidc.data,
      ...(options.startedFrom ? { startedFrom: options.startedFrom } : {}),
    },
    expiresAt,
  })
  const returnsByPost = url.searchParams.get('response_mode') === 'form_post'
  return { url: url.toString(), state, expiresAt, binding, callbackUrl: redirectUri, returnsByPost }
}

/** `startedFrom` is what {@link BeginAuthorizationOptions.startedFrom} recorded, or null. */
export type AuthorizationResult =
  | { ok: true; connection: Connection; redirect: string | null; startedFrom: JsonObject | null }
  | { ok: false; error: unknown; redirect: string | null; startedFrom: JsonObject | null }

export interface CompleteAuthorizationOptions {
  /**
   * Runs once the state checks out and the provider granted a code, before the code is
   * exchanged; a throw refuses the callback with nothing stored.
   */
  beforeExchange?: (startedFrom: JsonObject | null) => Promise<void>
  /** The binding the flow's start handed out ({@link AuthorizationStart.binding}). */
  binding?: FlowBinding
}

/**
 * Completes an OAuth 2 authorization from the provider's callback parameters: the state must
 * name a live session of this integration, started by whoever presents its binding (it is
 * consumed; a wrong binding or integration finds nothing and consumes nothing), then the code is exchanged, the
 * profile read and the connection stored. Failures after the state checks out come back with
 * the session's redirect, so the browser can be sent home with the error.
 * @throws PatchbayError `state_mismatch` for an unknown, replayed or foreign state, or one
 *   presented without its binding; nothing is stored
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7
 */
export async function completeOAuth2Authorization(
  deps: RuntimeDeps,
  integrationId: string,
  params: URLSearchParams,
  options: CompleteAuthorizationOptions = {},
): Promise<AuthorizationResult> {
  const callback = oauth2Engine.readAuthorizationCallback(params)
  const state = callback.state
  const binding = state ? presentedBinding(options.binding, state) : null
  const session =
    state && binding
      ? await deps.store.takeAuthSession(boundSessionKey(integrationId, state, binding), deps.now())
      : null
  if (!session || session.integrationId !== integrationId) throw unknownFlow('authorization state')
  const startedFrom = isJsonObject(session.data['startedFrom']) ? session.data['startedFrom'] : null
  try {
    if (!callback.ok) {
      throw providerRefusal(callback.error, callback.errorDescription)
    }
    await options.beforeExchange?.(startedFrom)
    const connection = await exchangeAndStore(deps, integrationId, callback.code, session)
    return { ok: true, connection, redirect: session.redirect, startedFrom }
  } catch (error) {
    // The page or redirect shows this error; a provider may have echoed the code or a token.
    const integration = await deps.store.getIntegration(integrationId)
    const secrets = [callback.ok ? callback.code : '', integration?.clientSecret ?? '']
    return {
      ok: false,
      error: redactError(error, secrets.filter(Boolean)),
      redirect: session.redirect,
      startedFrom,
    }
  }
}

async function exchangeAndStore(
  deps: RuntimeDeps,
  integrationId: string,
  code: string,
  session: AuthSession,
): Promise<Connection> {
  const { integration, connector, scheme } = await oauthIntegration(deps, integrationId)
  const settings = (session.data['settings'] ?? {}) as JsonObject
  const issued = await exchangeCode(deps, { integration, connector, scheme }, code, session.data)
  return finishAuthorizedConnection(deps, {
    connector,
    integration,
    settings: issued.settings ?? settings,
    issued,
    session,
  })
}

/**
 * Trades an authorization code for credentials with what the flow's start kept (`settings`,
 * `redirectUri`, `codeVerifier`, the OIDC `nonce`); an OIDC ID token is verified here, before
 * anyone stores or uses anything.
 * @throws PatchbayError `auth_code_invalid` when the provider refuses the code
 */
export async function exchangeCode(
  deps: RuntimeDeps,
  target: { integration: Integration; connector: Connector; scheme: OAuth2Scheme },
  code: string,
  data: JsonObject,
): Promise<IssuedCredentials> {
  const { integration, connector, scheme } = target
  const settings = (data['settings'] ?? {}) as JsonObject
  const client = clientOf(integration, {})
  const redirectUri = String(data['redirectUri'])
  const codeVerifier = typeof data['codeVerifier'] === 'string' ? data['codeVerifier'] : null
  const tokens = await obtainTokens(
    {
      settings,
      urlPolicy: scheme.urlPolicy,
      baseUrl: baseUrlBeforeTokens(deps, connector, scheme, settings),
      fetch: deps.fetch,
      now: deps.now(),
    },
    'authorization_code',
    async () =>
      oauth2Engine.buildCodeExchange(await tokenEndpointOf(scheme, settings), client, {
        code,
        redirectUri,
        codeVerifier,
      }),
    scheme.requestAccessToken,
    {
      code,
      redirectUri,
      codeVerifier: codeVerifier ?? '',
      clientId: client.clientId,
      clientSecret: client.clientSecret ?? '',
    },
    scheme.tokenResponse,
  )
  // An OIDC ID token must verify before anything is stored.
  await verifyIdToken(deps, scheme, client, tokens, data)
  const issued = credentialsFromTokens(tokens)
  if (!tokens.settings) return issued
  // Checked like settings a user typed: the schema's pattern and the URL template rules.
  return { ...issued, settings: parseSettings(connector, { ...settings, ...tokens.settings }) }
}

/**
 * The base URL for the code exchange: empty while it waits for a setting only the token response
 * brings (Salesforce's `{{instanceUrl}}`), since a token URL is absolute for such providers.
 */
function baseUrlBeforeTokens(
  deps: RuntimeDeps,
  connector: Connector,
  scheme: OAuth2Scheme,
  settings: JsonObject,
): string {
  const awaited = Object.keys(scheme.tokenResponse?.settings ?? {})
  return awaited.some((name) => settings[name] === undefined) ? '' : deps.baseUrlOf(connector.id, settings)
}
