export { baseStringUri, normalizeParameters, signatureBaseString } from './base-string.js'
export type { ParamPair, ParamsInput } from './base-string.js'
export { percentEncode } from './percent-encode.js'
export { authorizationHeader, computeSignature, signingKey, signRequest } from './sign.js'
export type { SignedRequest, SignRequestInput } from './sign.js'
export {
  buildAccessTokenRequest,
  buildAuthorizationUrl,
  buildRequestTokenRequest,
  readAuthorizationCallback,
  readTokenResponse,
} from './token.js'
export type {
  OAuth1CallbackResult,
  OAuth1Client,
  OAuth1TokenResponse,
  SigningAt,
  TokenStep,
} from './token.js'
