import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { oauth2 as oauth2Engine } from '../../engines/index.js'
import type { TokenSet } from '../../engines/oauth2/index.js'
import type { Capability, Connector, JsonObject, OAuth2Scheme } from '../../kit/index.js'
import type { FetchLike } from '../fetch/provider-call.js'
import { obtainTokens, resolveUrlProperty, tokenEndpointOf } from '../credentials/token-endpoint.js'

const client = {
  client_id: z.string().min(1),
  client_secret: z.string().min(1).nullable().optional(),
}

const tokensResponse = z.object({
  access_token: z.string(),
  token_type: z.string(),
  refresh_token: z.string().nullable(),
  expires_at: z.number().int().nullable(),
  scope: z.string().nullable(),
  id_token: z.string().nullable(),
})

function tokensView(tokens: TokenSet): z.infer<typeof tokensResponse> {
  return {
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    refresh_token: tokens.refreshToken ?? null,
    expires_at: tokens.expiresAt ?? null,
    scope: tokens.scope ?? null,
    id_token: tokens.idToken ?? null,
  }
}

function clientOf(request: { client_id: string; client_secret?: string | null | undefined }) {
  return { clientId: request.client_id, clientSecret: request.client_secret ?? null }
}

/**
 * Lumos' OAuth module as capabilities on every OAuth 2 connector, so a host other than Patchbay
 * can drive the flow itself through the CLI or the library: the authorization URL, the callback's
 * code exchange, refresh, and the client-credentials request. A connector's own capability of
 * the same name wins.
 */
export function oauthModuleCapabilities(
  connector: Connector,
  scheme: OAuth2Scheme,
  network: { fetch: FetchLike; now: () => number },
): Record<string, Capability> {
  const env = (settings: JsonObject, baseUrl: string) => ({
    settings,
    urlPolicy: scheme.urlPolicy,
    baseUrl,
    fetch: network.fetch,
    now: network.now(),
  })
  const capabilityScopes = Object.values(connector.capabilities).flatMap((c) => c.scopes ?? [])
  const defaultScopes = [...new Set([...scheme.scopes, ...capabilityScopes])]
  const capabilities: Record<string, Capability> = {
    refresh_access_token: {
      description: 'Trades a refresh token for new tokens (rotation: keep the refresh_token returned)',
      requiresAuth: false,
      request: z.object({ ...client, refresh_token: z.string().min(1) }),
      response: tokensResponse,
      run: async (ctx, request) => {
        const c = clientOf(request)
        const tokens = await obtainTokens(
          env(ctx.settings, ctx.baseUrl),
          'refresh_token',
          async () =>
            oauth2Engine.buildRefreshRequest(await tokenEndpointOf(scheme, ctx.settings, 'refresh'), c, {
              refreshToken: request.refresh_token,
            }),
          scheme.refreshAccessToken,
          { clientId: c.clientId, clientSecret: c.clientSecret ?? '', refreshToken: request.refresh_token },
          scheme.tokenResponse,
        )
        return tokensView(oauth2Engine.mergeRefreshedTokens({ ...tokens, refreshToken: request.refresh_token }, tokens))
      },
    },
  }
  if (scheme.grantType === 'client_credentials') {
    capabilities['handle_client_credentials_request'] = {
      description: 'Requests a token for the client itself at the token URL',
      requiresAuth: false,
      request: z.object({ ...client, scopes: z.array(z.string()).optional() }),
      response: tokensResponse,
      run: async (ctx, request) => {
        const c = clientOf(request)
        const scopes = request.scopes ?? defaultScopes
        const tokens = await obtainTokens(
          env(ctx.settings, ctx.baseUrl),
          'client_credentials',
          async () =>
            oauth2Engine.buildClientCredentialsRequest(await tokenEndpointOf(scheme, ctx.settings), c, {
              scopes,
              scopeDelimiter: scheme.scopeDelimiter,
            }),
          scheme.requestAccessToken,
          { clientId: c.clientId, clientSecret: c.clientSecret ?? '', scope: scopes.join(scheme.scopeDelimiter) },
          scheme.tokenResponse,
        )
        return tokensView(tokens)
      },
    }
    return capabilities
  }
  capabilities['get_authorization_url'] = {
    description: 'Builds the URL that sends the user to the consent screen (with PKCE when on)',
    requiresAuth: false,
    request: z.object({
      client_id: z.string().min(1),
      redirect_uri: z.url(),
      state: z.string().min(8).optional(),
      scopes: z.array(z.string()).optional(),
    }),
    response: z.object({
      authorization_url: z.string(),
      state: z.string(),
      code_verifier: z.string().nullable(),
    }),
    run: async (ctx, request) => {
      const state = request.state ?? randomBytes(16).toString('base64url')
      const codeVerifier = scheme.pkce ? oauth2Engine.codeVerifierFrom(randomBytes(32)) : null
      const url = oauth2Engine.buildAuthorizationUrl({
        authorizationUrl: await resolveUrlProperty(
          scheme.authorizationUrl as never,
          ctx.settings,
          scheme.urlPolicy,
        ),
        clientId: request.client_id,
        redirectUri: request.redirect_uri,
        state,
        scopes: request.scopes ?? defaultScopes,
        scopeDelimiter: scheme.scopeDelimiter,
        ...(codeVerifier ? { codeChallenge: oauth2Engine.codeChallengeS256(codeVerifier) } : {}),
        extraParams: scheme.authorizationParams,
      })
      return { authorization_url: url.toString(), state, code_verifier: codeVerifier }
    },
  }
  capabilities['handle_authorization_callback'] = {
    description: 'Exchanges the code from the callback for tokens',
    requiresAuth: false,
    request: z.object({
      ...client,
      redirect_uri: z.url(),
      code: z.string().min(1),
      code_verifier: z.string().min(43).max(128).nullable().optional(),
    }),
    response: tokensResponse,
    run: async (ctx, request) => {
      const c = clientOf(request)
      const tokens = await obtainTokens(
        env(ctx.settings, ctx.baseUrl),
        'authorization_code',
        async () =>
          oauth2Engine.buildCodeExchange(await tokenEndpointOf(scheme, ctx.settings), c, {
            code: request.code,
            redirectUri: request.redirect_uri,
            codeVerifier: request.code_verifier ?? null,
          }),
        scheme.requestAccessToken,
        {
          code: request.code,
          redirectUri: request.redirect_uri,
          codeVerifier: request.code_verifier ?? '',
          clientId: c.clientId,
          clientSecret: c.clientSecret ?? '',
        },
        scheme.tokenResponse,
      )
      return tokensView(tokens)
    },
  }
  return capabilities
}
