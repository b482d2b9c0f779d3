/**
 * `patchbay/oauth1`: the OAuth 1.0a request signer as a pure function, with the pieces it is
 * made of (RFC 5849 section 3).
 * @example
 * import { signRequest } from '@patchbay/core/oauth1'
 * const { authorization } = signRequest({ method: 'GET', url, consumerKey, consumerSecret,
 *   token, tokenSecret, signatureMethod: 'HMAC-SHA1' })
 */
export {
  authorizationHeader,
  baseStringUri,
  computeSignature,
  normalizeParameters,
  percentEncode,
  signatureBaseString,
  signingKey,
  signRequest,
} from './engines/oauth1/index.js'
export type {
  ParamPair,
  ParamsInput,
  SignedRequest,
  SignRequestInput,
} from './engines/oauth1/index.js'
export type { OAuth1SignatureMethod } from './kit/index.js'
