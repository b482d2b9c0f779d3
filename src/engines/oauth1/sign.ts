import { createHmac, createSign, randomBytes } from 'node:crypto'
import type { OAuth1SignatureMethod } from '../../kit/index.js'
import { queryPairs, signatureBaseString, toPairs } from './base-string.js'
import type { ParamPair, ParamsInput } from './base-string.js'
import { percentEncode } from './percent-encode.js'

const FORM = 'application/x-www-form-urlencoded'

/** What {@link signRequest} needs: the request, the client and token credentials, the method. */
export interface SignRequestInput {
  method: string
  /** The full request URL; its query parameters are signed. */
  url: string | URL
  /**
   * More parameters to sign besides the URL's query and the body: form fields given as an
   * object, or extra protocol parameters (`oauth_`-prefixed ones also go in the header).
   */
  params?: ParamsInput
  /**
   * The request body. Its parameters are signed when it is form-encoded: a `URLSearchParams`, or
   * a string whose `contentType` is `application/x-www-form-urlencoded` (assumed for a string
   * when `contentType` is not given). Other bodies are not signed (RFC 5849 section 3.4.1.3.1).
   */
  body?: string | URLSearchParams | null
  /** The request's Content-Type; decides whether a string body is form-encoded. */
  contentType?: string | null
  consumerKey: string
  /** The client shared secret; for RSA-SHA1, the PEM private key unless `privateKey` is given. */
  consumerSecret: string
  token?: string | null
  tokenSecret?: string | null
  signatureMethod: OAuth1SignatureMethod
  /** A fresh random value per request; generated when absent. Pass it for a reproducible result. */
  nonce?: string
  /** Epoch seconds; the current time when absent. */
  timestamp?: number | string
  /** `oauth_callback`, on the temporary-credentials (request token) request. */
  callback?: string
  /** `oauth_verifier`, on the token (access token) request. */
  verifier?: string
  /** `realm` of the Authorization header; never signed. */
  realm?: string
  /** The PEM private key for RSA-SHA1, when not given as `consumerSecret`. */
  privateKey?: string
  /** `oauth_version`; `"1.0"` unless `null`, which leaves the optional parameter out. */
  version?: '1.0' | null
}

/** A signed request's pieces: the header value, and what was signed, for logs and debugging. */
export interface SignedRequest {
  /** The `Authorization` header value: `OAuth realm="…", oauth_consumer_key="…", …`. */
  authorization: string
  /** The signature base string (empty for PLAINTEXT, which signs none). */
  baseString: string
  /** The `oauth_signature` value, not percent-encoded. */
  signature: string
  /** Every protocol parameter sent, `oauth_signature` included, for the query or body forms. */
  oauthParams: [string, string][]
}

function isFormBody(input: SignRequestInput): boolean {
  if (input.body instanceof URLSearchParams) return true
  if (typeof input.body !== 'string' || input.body === '') return false
  if (input.contentType === undefined || input.contentType === null) return true
  return input.contentType.split(';')[0]!.trim().toLowerCase() === FORM
}

function bodyPairs(input: SignRequestInput): ParamPair[] {
  if (!isFormBody(input)) return []
  const body = input.body as string | URLSearchParams
  return [...(typeof body === 'string' ? new URLSearchParams(body) : body)]
}

/**
 * The key of the HMAC and PLAINTEXT methods: the encoded client secret and the encoded token
 * secret joined by `&`, which stays even when the token secret is empty.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.2
 */
export function signingKey(consumerSecret: string, tokenSecret?: string | null): string {
  return `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret ?? '')}`
}

/**
 * Computes `oauth_signature` over a base string.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.2 (HMAC-SHA1)
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.3 (RSA-SHA1)
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.4 (PLAINTEXT)
 */
export function computeSignature(
  method: OAuth1SignatureMethod,
  baseString: string,
  keys: { consumerSecret: string; tokenSecret?: string | null; privateKey?: string },
): string {
  switch (method) {
    case 'HMAC-SHA1':
    case 'HMAC-SHA256': {
      const hash = method === 'HMAC-SHA1' ? 'sha1' : 'sha256'
      const key = signingKey(keys.consumerSecret, keys.tokenSecret)
      return createHmac(hash, key).update(baseString, 'utf8').digest('base64')
    }
    case 'RSA-SHA1':
      return createSign('RSA-SHA1')
        .update(baseString, 'utf8')
        .sign(keys.privateKey ?? keys.consumerSecret, 'base64')
    case 'PLAINTEXT':
      return signingKey(keys.consumerSecret, keys.tokenSecret)
    default:
      throw new TypeError(`Unsupported OAuth 1 signature method: ${String(method)}`)
  }
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`
}

/**
 * The `Authorization` header value carrying protocol parameters: `OAuth`, then `realm` if any,
 * then each `oauth_` parameter as `name="value"`, both percent-encoded, separated by commas.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.5.1
 */
export function authorizationHeader(oauthParams: Iterable<ParamPair>, realm?: string): string {
  const parts: string[] = realm === undefined ? [] : [`realm=${quoted(realm)}`]
  for (const [name, value] of oauthParams) {
    parts.push(`${percentEncode(name)}="${percentEncode(value)}"`)
  }
  return `OAuth ${parts.join(', ')}`
}

/**
 * Signs an HTTP request with OAuth 1.0a: collects the protocol parameters, builds the signature
 * base string from the method, URL, query, form body and protocol parameters, signs it with
 * HMAC-SHA1, HMAC-SHA256, RSA-SHA1 or PLAINTEXT, and returns the Authorization header.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3
 * @example
 * const { authorization } = signRequest({
 *   method: 'GET', url: 'https://api.example.com/photos?size=original',
 *   consumerKey, consumerSecret, token, tokenSecret, signatureMethod: 'HMAC-SHA1',
 * })
 * await fetch('https://api.example.com/photos?size=original', { headers: { authorization } })
 */
export function signRequest(input: SignRequestInput): SignedRequest {
  if (!input.consumerKey) throw new TypeError('signRequest: consumerKey is required')
  const extra = toPairs(input.params)
  const oauthParams: [string, string][] = [
    ['oauth_consumer_key', input.consumerKey],
    ...(input.token ? [['oauth_token', input.token] as [string, string]] : []),
    ['oauth_signature_method', input.signatureMethod],
    ['oauth_timestamp', String(input.timestamp ?? Math.floor(Date.now() / 1000))],
    ['oauth_nonce', input.nonce ?? randomBytes(16).toString('hex')],
  ]
  if (input.callback !== undefined) oauthParams.push(['oauth_callback', input.callback])
  if (input.verifier !== undefined) oauthParams.push(['oauth_verifier', input.verifier])
  if (input.version !== null) oauthParams.push(['oauth_version', input.version ?? '1.0'])
  for (const [name, value] of extra) {
    if (name.startsWith('oauth_') && name !== 'oauth_signature') oauthParams.push([name, value])
  }
  const others = extra.filter(([name]) => !name.startsWith('oauth_'))
  const baseString =
    input.signatureMethod === 'PLAINTEXT'
      ? ''
      : signatureBaseString(input.method, input.url, [
          ...queryPairs(input.url),
          ...bodyPairs(input),
          ...others,
          ...oauthParams,
        ])
  const signature = computeSignature(input.signatureMethod, baseString, {
    consumerSecret: input.consumerSecret,
    ...(input.tokenSecret === undefined ? {} : { tokenSecret: input.tokenSecret }),
    ...(input.privateKey === undefined ? {} : { privateKey: input.privateKey }),
  })
  oauthParams.push(['oauth_signature', signature])
  return {
    authorization: authorizationHeader(oauthParams, input.realm),
    baseString,
    signature,
    oauthParams,
  }
}
