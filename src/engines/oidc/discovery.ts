import { PatchbayError } from '../../errors.js'
import type { JsonObject } from '../../kit/index.js'
import { readProviderBody } from '../shared/provider-body.js'

/**
 * What Patchbay uses of an issuer's metadata; JSON-safe, so it can be cached as is. An issuer
 * that only signs access tokens (an API's) need publish no authorization or token endpoint.
 */
export interface OidcIssuerMetadata {
  issuer: string
  authorizationEndpoint?: string
  tokenEndpoint?: string
  jwksUri: string
  userinfoEndpoint?: string
  revocationEndpoint?: string
  /** Signature algorithms the provider may sign ID tokens with. */
  idTokenSigningAlgValuesSupported?: string[]
  /** How the token endpoint accepts a client's credentials (`client_secret_basic` when absent). */
  tokenEndpointAuthMethodsSupported?: string[]
}

/** An OpenID Provider's metadata: an issuer with the endpoints of an authorization flow. */
export interface OidcProviderMetadata extends OidcIssuerMetadata {
  authorizationEndpoint: string
  tokenEndpoint: string
}

/**
 * The discovery document's URL: the issuer without its trailing slash, then
 * `/.well-known/openid-configuration`.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 */
function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
}

/**
 * Builds the provider configuration request.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 */
export function buildDiscoveryRequest(issuer: string): Request {
  return new Request(discoveryUrl(issuer), { headers: { accept: 'application/json' } })
}

function endpoint(fields: JsonObject, name: string, required: true): string
function endpoint(fields: JsonObject, name: string, required: false): string | undefined
function endpoint(fields: JsonObject, name: string, required: boolean): string | undefined {
  const value = fields[name]
  if (value === undefined || value === null) {
    if (!required) return undefined
    throw new PatchbayError('invalid_response', `The OpenID configuration has no ${name}`, {
      details: { field: name },
    })
  }
  if (
    typeof value !== 'string' ||
    !URL.canParse(value) ||
    !/^https?:$/.test(new URL(value).protocol)
  ) {
    throw new PatchbayError(
      'invalid_response',
      `The OpenID configuration's ${name} is not an http(s) URL`,
      {
        details: { field: name },
      },
    )
  }
  return value
}

/**
 * Checks a provider configuration response: a 200 JSON object whose `issuer` is exactly the
 * configured one (so a document cannot speak for another issuer), with the endpoints Patchbay
 * needs for an authorization flow as http(s) URLs.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 * @throws PatchbayError `provider_error` for a non-200 answer, `invalid_response` for a document
 *   that is not usable
 */
export async function readDiscoveryResponse(
  response: Response,
  expectedIssuer: string,
): Promise<OidcProviderMetadata> {
  return requireFlowEndpoints(await readIssuerMetadata(response, expectedIssuer))
}

/**
 * Checks that an issuer's metadata has the endpoints of an authorization flow.
 * @throws PatchbayError `invalid_response` naming the missing one
 */
export function requireFlowEndpoints(metadata: OidcIssuerMetadata): OidcProviderMetadata {
  const { authorizationEndpoint, tokenEndpoint } = metadata
  for (const [field, value] of [
    ['authorization_endpoint', authorizationEndpoint],
    ['token_endpoint', tokenEndpoint],
  ] as const) {
    if (value === undefined) {
      throw new PatchbayError('invalid_response', `The OpenID configuration has no ${field}`, {
        details: { field },
      })
    }
  }
  return { ...metadata, authorizationEndpoint: authorizationEndpoint!, tokenEndpoint: tokenEndpoint! }
}

/**
 * Checks an issuer's configuration response like {@link readDiscoveryResponse}, requiring only
 * its `jwks_uri`: enough to verify the tokens it signs.
 * @throws PatchbayError `provider_error` for a non-200 answer, `invalid_response` for a document
 *   that is not usable
 */
export async function readIssuerMetadata(
  response: Response,
  expectedIssuer: string,
): Promise<OidcIssuerMetadata> {
  const body = await readProviderBody(response)
  if (response.status !== 200) {
    throw new PatchbayError(
      'provider_error',
      `OpenID discovery for ${expectedIssuer} answered ${response.status}`,
      {
        details: { status: response.status, issuer: expectedIssuer },
      },
    )
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PatchbayError(
      'invalid_response',
      `OpenID discovery for ${expectedIssuer} did not answer a JSON object`,
      {
        details: { issuer: expectedIssuer },
      },
    )
  }
  if (body['issuer'] !== expectedIssuer) {
    throw new PatchbayError(
      'invalid_response',
      `The OpenID configuration names issuer ${JSON.stringify(body['issuer'])}, not ${expectedIssuer}`,
      { details: { issuer: expectedIssuer } },
    )
  }
  const authorization = endpoint(body, 'authorization_endpoint', false)
  const token = endpoint(body, 'token_endpoint', false)
  const metadata: OidcIssuerMetadata = {
    issuer: expectedIssuer,
    ...(authorization ? { authorizationEndpoint: authorization } : {}),
    ...(token ? { tokenEndpoint: token } : {}),
    jwksUri: endpoint(body, 'jwks_uri', true),
  }
  const userinfo = endpoint(body, 'userinfo_endpoint', false)
  if (userinfo) metadata.userinfoEndpoint = userinfo
  const revocation = endpoint(body, 'revocation_endpoint', false)
  if (revocation) metadata.revocationEndpoint = revocation
  const algorithms = body['id_token_signing_alg_values_supported']
  if (Array.isArray(algorithms) && algorithms.every((alg) => typeof alg === 'string')) {
    metadata.idTokenSigningAlgValuesSupported = algorithms as string[]
  }
  const authMethods = body['token_endpoint_auth_methods_supported']
  if (Array.isArray(authMethods) && authMethods.every((method) => typeof method === 'string')) {
    metadata.tokenEndpointAuthMethodsSupported = authMethods as string[]
  }
  return metadata
}
