import type { BodyErrorSpec } from './body-error.js'
import type {
  CredentialPlacement,
  OAuth1AuthUrl,
  OAuth1Scheme,
  OAuth1SignatureMethod,
  OAuth1TokenOverride,
  ProfileSpec,
  ProviderFailure,
  ProviderProperty,
  UrlProperty,
  ValuePicker,
} from './types.js'

const SIGNATURE_METHODS: readonly OAuth1SignatureMethod[] = [
  'HMAC-SHA1',
  'HMAC-SHA256',
  'RSA-SHA1',
  'PLAINTEXT',
]

/** What a connector author writes for OAuth 1.0a; everything but the three URLs has a default. */
export interface OAuth1Options {
  /** The temporary-credentials endpoint (RFC 5849 section 2.1). */
  requestTokenUrl: UrlProperty
  /** Where the user authorizes (section 2.2); `{{requestToken}}` may appear in a template. */
  authorizationUrl?: OAuth1AuthUrl
  /** Appmixer's name for `authorizationUrl`. */
  authUrl?: OAuth1AuthUrl
  /** The token-credentials endpoint (section 2.3). */
  accessTokenUrl: UrlProperty
  /** HMAC-SHA1 unless said otherwise; RSA-SHA1 takes the PEM private key as client secret. */
  signatureMethod?: OAuth1SignatureMethod
  tokenMethod?: 'POST' | 'GET'
  realm?: string
  /** Obtains the request token in code instead of the standard signed request. */
  requestRequestToken?: OAuth1TokenOverride
  /** Obtains the access token in code instead of the standard signed request. */
  requestAccessToken?: OAuth1TokenOverride
  /**
   * A request (or function) that must succeed for the token to be accepted; also asked after a
   * 401, and a refusal then marks the connection `needs_reauth`.
   */
  validate?: ProviderProperty<unknown>
  /** Appmixer's name for `validate`. */
  validateAccessToken?: ProviderProperty<unknown>
  validateError?: (failure: ProviderFailure) => string | undefined
  /** How a 2xx answer of `validate` or `profile` says it failed. */
  bodyError?: BodyErrorSpec
  /** Where `validate`'s answer names the tenant (`unique_tenant_id`). */
  tenantId?: ValuePicker
  profile?: ProfileSpec
  /** Extra header templates; the signature goes in `Authorization` on its own. */
  headers?: Record<string, string>
  /** Extra query parameter templates (signed with the rest of the query). */
  query?: Record<string, string>
}

/**
 * Declares OAuth 1.0a: a request token with `oauth_callback`, the user's authorization, an
 * access token with `oauth_verifier`, and every API request signed (RFC 5849).
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2
 * @example
 * auth: oauth1({
 *   requestTokenUrl: 'https://trello.com/1/OAuthGetRequestToken',
 *   authorizationUrl: 'https://trello.com/1/OAuthAuthorizeToken?name=Patchbay&scope=read',
 *   accessTokenUrl: 'https://trello.com/1/OAuthGetAccessToken',
 *   profile: { request: '/1/members/me', accountName: 'username' },
 * })
 */
export function oauth1(options: OAuth1Options): OAuth1Scheme {
  const authorizationUrl = options.authorizationUrl ?? options.authUrl
  if (authorizationUrl === undefined) {
    throw new TypeError('oauth1: authorizationUrl (or authUrl) is required')
  }
  const signatureMethod = options.signatureMethod ?? 'HMAC-SHA1'
  if (!SIGNATURE_METHODS.includes(signatureMethod)) {
    throw new TypeError(`oauth1: signatureMethod must be one of ${SIGNATURE_METHODS.join(', ')}`)
  }
  const validate = options.validate ?? options.validateAccessToken
  const apply: CredentialPlacement = {
    headers: { ...options.headers },
    query: { ...options.query },
  }
  return {
    type: 'oauth1',
    requestTokenUrl: options.requestTokenUrl,
    authorizationUrl,
    accessTokenUrl: options.accessTokenUrl,
    signatureMethod,
    tokenMethod: options.tokenMethod ?? 'POST',
    ...(options.realm === undefined ? {} : { realm: options.realm }),
    ...(options.requestRequestToken ? { requestRequestToken: options.requestRequestToken } : {}),
    ...(options.requestAccessToken ? { requestAccessToken: options.requestAccessToken } : {}),
    ...(validate === undefined ? {} : { validate }),
    ...(options.validateError === undefined ? {} : { validateError: options.validateError }),
    ...(options.bodyError === undefined ? {} : { bodyError: structuredClone(options.bodyError) }),
    ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    apply,
  }
}
