export { buildAuthorizationUrl, readAuthorizationCallback } from './authorize.js'
export type { AuthorizationUrlInput, CallbackResult } from './authorize.js'
export { codeChallengeS256, codeVerifierFrom } from './pkce.js'
export {
  buildClientCredentialsRequest,
  buildCodeExchange,
  buildRefreshRequest,
} from './token-request.js'
export type { ClientCredentials, TokenEndpoint } from './token-request.js'
export { buildRevocationRequest, readRevocationResponse } from './revocation.js'
export type { TokenTypeHint } from './revocation.js'
export { mergeRefreshedTokens, readTokenResponse } from './token-response.js'
export type { TokenGrant, TokenSet } from './token-response.js'
