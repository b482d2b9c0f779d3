import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { oauth2 as oauth2Engine } from '../../engines/index.js'
import { isJsonObject, socialProfileSchema } from '../../kit/index.js'
import type { JsonObject, SocialProfile } from '../../kit/index.js'
import type { RuntimeDeps } from '../deps.js'
import {
  beginOAuth2Authorization,
  boundSessionKey,
  exchangeCode,
  oauthIntegration,
  presentedBinding,
  unknownFlow,
} from '../authorization/index.js'
import type { AuthorizationStart, FlowBinding } from '../authorization/index.js'
import { capabilityContext, runCapability } from '../capabilities/index.js'
import { finishConnection, providerRefusal } from '../connections/index.js'
import { authorizedFetchFor } from '../fetch/index.js'
import { redactError, secretValues } from '../redact.js'
import { registeredAppRedirect } from './redirect-uris.js'

/**
 * How long a sign-in result code can be exchanged: long enough for the application's page to
 * hand it to its server, short enough to be worthless in a log or a browser history.
 */
export const SIGNIN_RESULT_SECONDS = 60

/** The longest application `state` carried through a sign-in. */
const MAX_APP_STATE = 512

export interface BeginSignInOptions {
  /** The application page the result goes to; one of the integration's sign-in redirect URIs. */
  redirectUri?: string
  /** The application's own value, handed back unchanged with the result (CSRF protection). */
  state?: string
  /** Also keep the provider's tokens as a connection, whose id comes with the profile. */
  createConnection?: boolean
}

/** Where a finished sign-in flow sends the browser: the application's page. */
export interface SignInCompletion {
  ok: boolean
  /** The application page with `code` (or `error`, `error_description`) and its `state`. */
  redirect: string
}

/** What an application's server gets for a result code. */
export interface SignInResult {
  integration: string
  profile: SocialProfile
  /** The connection made from the sign-in, when its start asked for one; else null. */
  connectionId: string | null
}

/** The sign-in callback URL of an integration, registered at the provider beside `/auth`'s. */
export function signInCallbackUrl(deps: RuntimeDeps, integrationId: string): string {
  return `${deps.publicUrl.replace(/\/+$/, '')}/signin/${encodeURIComponent(integrationId)}/callback`
}

function resultKey(code: string): string {
  return JSON.stringify(['patchbay-signin-result', code])
}

/**
 * Starts a social sign-in (Logto's `getAuthorizationUri`): the application's page must be one
 * of the integration's sign-in redirect URIs (compared exactly), and the connector must read a
 * profile. The flow is an OAuth 2 authorization (state, PKCE, OIDC nonce) kept apart from
 * connect flows, returning to `/signin/:integration/callback`.
 * @throws PatchbayError `bad_request` for an unregistered page or a connector that cannot sign in
 */
export async function beginSignIn(
  deps: RuntimeDeps,
  integrationId: string,
  options: BeginSignInOptions,
): Promise<AuthorizationStart> {
  const { integration, connector } = await oauthIntegration(deps, integrationId)
  const appRedirect = registeredAppRedirect(integration, options.redirectUri)
  if (options.state !== undefined && options.state.length > MAX_APP_STATE) {
    throw new PatchbayError('bad_request', `state must be at most ${MAX_APP_STATE} characters`, {
      details: { problems: [`state: longer than ${MAX_APP_STATE} characters`] },
    })
  }
  if (!connector.capabilities['get_user_info']) {
    throw new PatchbayError(
      'bad_request',
      `Connector "${connector.id}" reads no profile (get_user_info), so it cannot sign users in`,
    )
  }
  return beginOAuth2Authorization(deps, integration.id, {
    kind: 'signin',
    redirectUri: signInCallbackUrl(deps, integration.id),
    createdBy: 'signin',
    startedFrom: {
      signin: {
        redirect: appRedirect,
        state: options.state ?? null,
        createConnection: options.createConnection === true,
      },
    },
  })
}

function withParams(target: string, params: Record<string, string | null>): string {
  const url = new URL(target)
  for (const [key, value] of Object.entries(params)) {
    if (value !== null) url.searchParams.set(key, value)
  }
  return url.toString()
}

/**
 * Finishes a sign-in from the provider's callback (Logto's `getUserInfo`): the state must name a
 * live sign-in flow of this integration started by whoever presents its binding; the code is
 * exchanged, the profile read and normalized, and a single-use result code made for the
 * application. Provider tokens are dropped unless the start asked for a connection.
 * Failures after the flow is known go to the application's page as `error` and
 * `error_description` (`auth_code_invalid`, `unauthorized`, `invalid_response`, …).
 * @throws PatchbayError `state_mismatch` for an unknown, used or foreign flow (nothing is sent
 *   anywhere: the application's page is not known)
 */
export async function completeSignIn(
  deps: RuntimeDeps,
  integrationId: string,
  params: URLSearchParams,
  binding: FlowBinding | undefined,
): Promise<SignInCompletion> {
  const callback = oauth2Engine.readAuthorizationCallback(params)
  const state = callback.state
  const presented = state ? presentedBinding(binding, state) : null
  const session =
    state && presented
      ? await deps.store.takeAuthSession(
          boundSessionKey(integrationId, state, presented, 'signin'),
          deps.now(),
        )
      : null
  const startedFrom = session && isJsonObject(session.data['startedFrom']) ? session.data['startedFrom'] : null
  const signin = startedFrom && isJsonObject(startedFrom['signin']) ? startedFrom['signin'] : null
  if (!session || session.integrationId !== integrationId || !signin) {
    throw unknownFlow('sign-in state')
  }
  const appRedirect = String(signin['redirect'])
  const appState = typeof signin['state'] === 'string' ? signin['state'] : null
  let secrets: string[] = callback.ok ? [callback.code] : []
  try {
    if (!callback.ok) throw providerRefusal(callback.error, callback.errorDescription)
    const target = await oauthIntegration(deps, integrationId)
    secrets = [...secrets, target.integration.clientSecret ?? '']
    const issued = await exchangeCode(deps, target, callback.code, session.data)
    secrets = [...secrets, ...secretValues(issued.credentials)]
    const settings = (session.data['settings'] ?? {}) as JsonObject
    const profile = await readSocialProfile(deps, target.connector, settings, issued.credentials, {
      clientId: target.integration.clientId ?? '',
    })
    let connectionId: string | null = null
    if (signin['createConnection'] === true) {
      const connection = await finishConnection(deps, {
        connector: target.connector,
        integration: target.integration,
        settings,
        issued,
        connectionId: null,
        createdBy: 'signin',
      })
      connectionId = connection.id
    }
    const code = Buffer.from(deps.random(32)).toString('base64url')
    await deps.store.createAuthSession({
      state: resultKey(code),
      integrationId,
      connectionId,
      redirect: null,
      data: { profile: profile as unknown as JsonValue, connectionId },
      expiresAt: deps.now() + SIGNIN_RESULT_SECONDS,
    })
    return { ok: true, redirect: withParams(appRedirect, { code, state: appState }) }
  } catch (error) {
    const safe = redactError(error, secrets.filter(Boolean))
    const code = isPatchbayError(safe) ? safe.code : 'internal'
    const description = isPatchbayError(safe) ? safe.message : 'The sign-in failed'
    return {
      ok: false,
      redirect: withParams(appRedirect, { error: code, error_description: description, state: appState }),
    }
  }
}

/**
 * The normalized profile behind fresh credentials, from the connector's `get_user_info`.
 * @throws PatchbayError `unauthorized` when the provider refuses the token, `invalid_response`
 *   when its answer (or the connector's) is not a profile
 */
async function readSocialProfile(
  deps: RuntimeDeps,
  connector: Parameters<typeof authorizedFetchFor>[1],
  settings: JsonObject,
  credentials: JsonObject,
  context: JsonObject,
): Promise<SocialProfile> {
  const capability = connector.capabilities['get_user_info']
  if (!capability) {
    throw new PatchbayError('invalid_config', `Connector "${connector.id}" reads no profile`)
  }
  const ctx = capabilityContext({
    settings,
    credentials,
    baseUrl: deps.baseUrlOf(connector.id, settings),
    fetch: authorizedFetchFor(deps, connector, null, credentials, settings, context),
    page: null,
    connectionId: null,
  })
  const { response } = await runCapability(capability, ctx, {})
  const parsed = socialProfileSchema.safeParse(response)
  if (!parsed.success) {
    throw new PatchbayError(
      'invalid_response',
      `Connector "${connector.id}" did not return a normalized profile (does its profile declare id?)`,
    )
  }
  return parsed.data
}

/**
 * Trades a sign-in result code for the profile, once: a used, unknown or expired code is
 * refused the same way.
 * @throws PatchbayError `auth_code_invalid`
 */
export async function exchangeSignInCode(deps: RuntimeDeps, code: string): Promise<SignInResult> {
  const found = code ? await deps.store.takeAuthSession(resultKey(code), deps.now()) : null
  const profile = found ? socialProfileSchema.safeParse(found.data['profile']) : null
  if (!found || !profile?.success) {
    throw new PatchbayError(
      'auth_code_invalid',
      'The sign-in code is unknown, expired or already used',
    )
  }
  const connectionId = found.data['connectionId']
  return {
    integration: found.integrationId,
    profile: profile.data,
    connectionId: typeof connectionId === 'string' ? connectionId : null,
  }
}
