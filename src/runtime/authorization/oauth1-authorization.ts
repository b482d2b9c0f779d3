import { PatchbayError } from '../../errors.js'
import { oauth1 as oauth1Engine } from '../../engines/index.js'
import type { OAuth1TokenResponse, SigningAt } from '../../engines/oauth1/index.js'
import type { ClientCredentials } from '../../engines/oauth2/index.js'
import { isJsonObject, renderUrlTemplate, resolveUrl } from '../../kit/index.js'
import type { JsonObject, OAuth1FlowContext, OAuth1Scheme } from '../../kit/index.js'
import type { AuthSession, Connection } from '../../store/index.js'
import { AUTH_SESSION_SECONDS, checkRedirect, redirectUriOf } from './authorization.js'
import type {
  AuthorizationResult,
  AuthorizationStart,
  BeginAuthorizationOptions,
  CompleteAuthorizationOptions,
} from './authorization.js'
import { parseSettings } from '../capabilities/capabilities.js'
import type { RuntimeDeps } from '../deps.js'
import { finishAuthorizedConnection, providerRefusal } from '../connections/finish-connection.js'
import { credentialsFromAccessToken, tokensFromOverride } from '../schemes/oauth1-credentials.js'
import { oauth1Signer } from '../schemes/oauth1-signing.js'
import { redactError } from '../redact.js'
import { clientOf, resolveUrlProperty } from '../credentials/token-endpoint.js'
import { boundSessionKey, newFlowBinding, presentedBinding, unknownFlow } from './flow-binding.js'
import { unknownIntegration } from '../unknown-integration.js'

async function oauth1Integration(deps: RuntimeDeps, integrationId: string) {
  const integration = await deps.store.getIntegration(integrationId)
  if (!integration)
    throw unknownIntegration(integrationId)
  const connector = deps.registry.get(integration.connectorId)
  if (connector.auth.type !== 'oauth1') {
    throw new PatchbayError('bad_request', `Integration "${integrationId}" does not use OAuth 1`)
  }
  return { integration, connector, scheme: connector.auth }
}

function signingAt(deps: RuntimeDeps): SigningAt {
  // The provider checks the timestamp against its own clock, so it is always the real time.
  return {
    nonce: Buffer.from(deps.random(16)).toString('hex'),
    timestamp: Math.floor(Date.now() / 1000),
  }
}

function consumerOf(scheme: OAuth1Scheme, client: ClientCredentials): oauth1Engine.OAuth1Client {
  return {
    consumerKey: client.clientId,
    consumerSecret: client.clientSecret ?? '',
    signatureMethod: scheme.signatureMethod,
    ...(scheme.realm === undefined ? {} : { realm: scheme.realm }),
  }
}

/** The context handed to a connector's own token steps and authorization URL function. */
function flowContext(
  deps: RuntimeDeps,
  scheme: OAuth1Scheme,
  client: ClientCredentials,
  base: { settings: JsonObject; baseUrl: string; callbackUrl: string },
  progress: { requestToken?: string; requestTokenSecret?: string; verifier?: string } = {},
): OAuth1FlowContext {
  const consumer = consumerOf(scheme, client)
  return {
    ...base,
    ...progress,
    consumerKey: consumer.consumerKey,
    consumerSecret: consumer.consumerSecret,
    sign: (request) => {
      const token = request.token ?? progress.requestToken
      const tokenSecret =
        request.tokenSecret ?? (request.token ? undefined : progress.requestTokenSecret)
      const at = signingAt(deps)
      return oauth1Engine.signRequest({
        ...request,
        consumerKey: consumer.consumerKey,
        consumerSecret: consumer.consumerSecret,
        signatureMethod: consumer.signatureMethod,
        ...(consumer.realm === undefined ? {} : { realm: consumer.realm }),
        ...(token === undefined ? {} : { token }),
        ...(tokenSecret === undefined ? {} : { tokenSecret }),
        nonce: at.nonce,
        timestamp: at.timestamp,
      }).authorization
    },
    fetch: (input, init) => deps.fetch(resolveUrl(String(input), base.baseUrl), init),
  }
}

async function authorizationUrlOf(scheme: OAuth1Scheme, ctx: OAuth1FlowContext, token: string) {
  const property = scheme.authorizationUrl
  const url =
    typeof property === 'function'
      ? await property(ctx)
      : renderUrlTemplate(
          property,
          [{ requestToken: token }, ctx.settings, { settings: ctx.settings }],
          scheme.urlPolicy,
        )
  return oauth1Engine.buildAuthorizationUrl(url, token)
}

/**
 * Starts an OAuth 1.0a authorization: obtains a request token with `oauth_callback` set to the
 * integration's callback URL (signed with its client id and secret as the consumer), keeps the
 * request-token secret in the sealed auth session, stored under the request token since the
 * provider's callback names that token instead of a state, and returns the URL to send the
 * browser to, which carries the token alone.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.2
 */
export async function beginOAuth1Authorization(
  deps: RuntimeDeps,
  integrationId: string,
  options: BeginAuthorizationOptions = {},
): Promise<AuthorizationStart> {
  const { integration, connector, scheme } = await oauth1Integration(deps, integrationId)
  const redirect = checkRedirect(deps, options.redirect)
  if (options.connectionId) {
    const existing = await deps.store.getConnection(options.connectionId)
    if (existing && existing.integrationId !== integration.id) {
      throw new PatchbayError(
        'bad_request',
        `Connection "${options.connectionId}" belongs to another integration`,
      )
    }
  }
  const settings = parseSettings(connector, options.settings ?? {})
  const callbackUrl = options.redirectUri ?? redirectUriOf(deps, integration)
  const client = clientOf(integration, {})
  const base = { settings, baseUrl: deps.baseUrlOf(connector.id, settings), callbackUrl }
  let temporary: OAuth1TokenResponse
  try {
    temporary = scheme.requestRequestToken
      ? tokensFromOverride(
          await scheme.requestRequestToken(flowContext(deps, scheme, client, base)),
          'request',
        )
      : await oauth1Engine.readTokenResponse(
          await deps.fetch(
            oauth1Engine.buildRequestTokenRequest({
              url: await resolveUrlProperty(scheme.requestTokenUrl, settings, scheme.urlPolicy),
              method: scheme.tokenMethod,
              client: consumerOf(scheme, client),
              callback: callbackUrl,
              at: signingAt(deps),
            }),
          ),
          'request_token',
        )
  } catch (error) {
    throw redactError(error, client.clientSecret ? [client.clientSecret] : [])
  }
  const ctx = flowContext(deps, scheme, client, base, { requestToken: temporary.token })
  const url = await authorizationUrlOf(scheme, ctx, temporary.token)
  const expiresAt = deps.now() + AUTH_SESSION_SECONDS
  const binding = newFlowBinding(deps)
  await deps.store.createAuthSession({
    state: boundSessionKey(integration.id, temporary.token, binding),
    integrationId: integration.id,
    connectionId: options.connectionId ?? null,
    redirect,
    data: {
      requestTokenSecret: temporary.tokenSecret,
      callbackUrl,
      settings,
      createdBy: options.createdBy ?? null,
      ...(options.startedFrom ? { startedFrom: options.startedFrom } : {}),
    },
    expiresAt,
  })
  return {
    url: url.toString(),
    state: temporary.token,
    expiresAt,
    binding,
    callbackUrl,
    returnsByPost: false,
  }
}

/**
 * Completes an OAuth 1.0a authorization from the provider's callback: `oauth_token` must name a
 * live session of this integration (it is consumed), then the request token and
 * `oauth_verifier` are traded for the access token, the profile read and the connection stored
 * with `{token, tokenSecret}` sealed. Failures after the session checks out come back with its
 * redirect.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.3
 * @throws PatchbayError `state_mismatch` for an unknown, replayed or foreign token; nothing is
 *   stored
 */
export async function completeOAuth1Authorization(
  deps: RuntimeDeps,
  integrationId: string,
  params: URLSearchParams,
  options: CompleteAuthorizationOptions = {},
): Promise<AuthorizationResult> {
  const callback = oauth1Engine.readAuthorizationCallback(params)
  const binding = callback.token ? presentedBinding(options.binding, callback.token) : null
  const session =
    callback.token && binding
      ? await deps.store.takeAuthSession(
          boundSessionKey(integrationId, callback.token, binding),
          deps.now(),
        )
      : null
  if (!session || session.integrationId !== integrationId) throw unknownFlow('request token')
  const startedFrom = isJsonObject(session.data['startedFrom']) ? session.data['startedFrom'] : null
  try {
    if (!callback.ok) {
      throw providerRefusal(callback.error, callback.errorDescription)
    }
    await options.beforeExchange?.(startedFrom)
    const connection = await exchangeAndStore(deps, integrationId, callback, session)
    return { ok: true, connection, redirect: session.redirect, startedFrom }
  } catch (error) {
    // The page or redirect shows this error; a provider may have echoed what it was sent.
    const integration = await deps.store.getIntegration(integrationId)
    const secrets = [
      callback.ok ? callback.verifier : '',
      String(session.data['requestTokenSecret'] ?? ''),
      integration?.clientSecret ?? '',
    ].filter((secret) => secret.length >= 6)
    return {
      ok: false,
      error: redactError(error, secrets),
      redirect: session.redirect,
      startedFrom,
    }
  }
}

async function exchangeAndStore(
  deps: RuntimeDeps,
  integrationId: string,
  callback: { token: string; verifier: string },
  session: AuthSession,
): Promise<Connection> {
  const { integration, connector, scheme } = await oauth1Integration(deps, integrationId)
  const data = session.data
  const settings = (isJsonObject(data['settings']) ? data['settings'] : {}) as JsonObject
  const client = clientOf(integration, {})
  const requestTokenSecret = String(data['requestTokenSecret'] ?? '')
  const base = {
    settings,
    baseUrl: deps.baseUrlOf(connector.id, settings),
    callbackUrl: String(data['callbackUrl'] ?? ''),
  }
  const tokens = scheme.requestAccessToken
    ? tokensFromOverride(
        await scheme.requestAccessToken(
          flowContext(deps, scheme, client, base, {
            requestToken: callback.token,
            requestTokenSecret,
            verifier: callback.verifier,
          }),
        ),
        'access',
      )
    : await oauth1Engine.readTokenResponse(
        await deps.fetch(
          oauth1Engine.buildAccessTokenRequest({
            url: await resolveUrlProperty(scheme.accessTokenUrl, settings, scheme.urlPolicy),
            method: scheme.tokenMethod,
            client: consumerOf(scheme, client),
            token: callback.token,
            tokenSecret: requestTokenSecret,
            verifier: callback.verifier,
            at: signingAt(deps),
          }),
        ),
        'access_token',
      )
  const issued = credentialsFromAccessToken(tokens)
  const sign = oauth1Signer(scheme, () => clientOf(integration, issued.credentials))
  return finishAuthorizedConnection(deps, { connector, integration, settings, issued, session, sign })
}
