import type {
  ApiKeyScheme,
  AuthField,
  AuthScheme,
  BasicScheme,
  JsonObject,
  OAuth1Scheme,
  OAuth2Scheme,
} from './types.js'

/**
 * What a connector's declaration says about its auth scheme, without running it: the fields a
 * user types, what `info` publishes, and whether accounts connect through the provider's consent.
 * The runtime's scheme records (`src/runtime/schemes/`) add the protocol steps to these.
 */
export interface SchemeFacts<S extends AuthScheme = AuthScheme> {
  /** The fields a user supplies for the scheme (OAuth 2 tokens when given inline). */
  fields(scheme: S): Record<string, AuthField>
  /** What `info` publishes about the scheme beside its type and fields. */
  describe(scheme: S): JsonObject
  /** Whether accounts connect through a redirect to the provider (OAuth 2 code grant, OAuth 1). */
  usesRedirect(scheme: S): boolean
  /** How a refusal names the scheme: `the client_credentials grant`, `api_key`. */
  label(scheme: S): string
}

/**
 * A declared endpoint as written, templates unresolved (`https://{{subdomain}}.zendesk.com/…`), so
 * users can audit where a flow goes; null when computed by code or discovered (OpenID Connect).
 */
function declaredUrl(url: unknown): string | null {
  return typeof url === 'string' ? url : null
}

/** OAuth 1 tokens given inline; the consumer comes from the integration unless given too. */
const OAUTH1_FIELDS: Record<string, AuthField> = {
  token: { type: 'password', label: 'Access token', required: true },
  token_secret: { type: 'password', label: 'Access token secret', required: true },
  client_id: { type: 'text', label: 'Consumer key', required: false },
  client_secret: { type: 'password', label: 'Consumer secret', required: false },
}

/** OAuth 2: tokens, a refresh token or a client to bring, by grant. */
export const oauth2Facts: SchemeFacts<OAuth2Scheme> = {
  fields(scheme): Record<string, AuthField> {
    if (scheme.grantType === 'refresh_token') {
      return { refresh_token: { type: 'password', label: 'Refresh token', required: true } }
    }
    if (scheme.grantType === 'client_credentials') {
      return {
        client_id: { type: 'text', label: 'Client ID', required: false },
        client_secret: { type: 'password', label: 'Client secret', required: false },
      }
    }
    return {
      access_token: { type: 'password', label: 'Access token', required: true },
      refresh_token: { type: 'password', label: 'Refresh token', required: false },
    }
  },
  describe: (scheme) => ({
    grantType: scheme.grantType,
    authorizationUrl: declaredUrl(scheme.authorizationUrl),
    tokenUrl: declaredUrl(scheme.tokenUrl),
    ...(scheme.oidc ? { issuer: scheme.oidc.issuer } : {}),
    scopes: scheme.scopes,
    ...(scheme.availableScopes ? { availableScopes: scheme.availableScopes } : {}),
    scopeDelimiter: scheme.scopeDelimiter,
    pkce: scheme.pkce,
  }),
  usesRedirect: (scheme) => scheme.grantType === 'authorization_code',
  label: (scheme) => `the ${scheme.grantType} grant`,
}

/** OAuth 1.0a: tokens given inline, or the provider's consent. */
export const oauth1Facts: SchemeFacts<OAuth1Scheme> = {
  fields: () => OAUTH1_FIELDS,
  describe: (scheme) => ({
    requestTokenUrl: declaredUrl(scheme.requestTokenUrl),
    authorizationUrl: declaredUrl(scheme.authorizationUrl),
    accessTokenUrl: declaredUrl(scheme.accessTokenUrl),
    signatureMethod: scheme.signatureMethod,
  }),
  usesRedirect: () => true,
  label: () => 'oauth1',
}

/** API keys: the declared fields. */
export const apiKeyFacts: SchemeFacts<ApiKeyScheme> = {
  fields: (scheme) => scheme.fields,
  describe: () => ({}),
  usesRedirect: () => false,
  label: () => 'api_key',
}

/** Username and password, maybe traded for a token: the declared fields. */
export const basicFacts: SchemeFacts<BasicScheme> = {
  fields: (scheme) => scheme.fields,
  describe: (scheme) => ({ login: scheme.login !== undefined }),
  usesRedirect: () => false,
  label: () => 'basic',
}

const FACTS: { [T in AuthScheme['type']]: SchemeFacts<Extract<AuthScheme, { type: T }>> } = {
  oauth2: oauth2Facts,
  oauth1: oauth1Facts,
  api_key: apiKeyFacts,
  basic: basicFacts,
}

/** The facts of a scheme, looked up by its type. */
export function schemeFactsOf(scheme: AuthScheme): SchemeFacts {
  return FACTS[scheme.type] as SchemeFacts
}
