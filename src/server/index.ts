export {
  apiKeyDigests,
  bearerChallenge,
  createApiAuthenticator,
  hasApiKey,
  requireApiAuth,
  requireApiKey,
  unauthorizedResponse,
} from './api-auth.js'
export type { ApiAuthenticator, ApiAuthOptions, ApiAuthOutcome, ApiKeyLookup, Caller } from './api-auth.js'
export { createServerApp } from './app.js'
export type { ServerAppOptions } from './app.js'
export { mountKeyRoutes } from './key-routes.js'
export { listen } from './listen.js'
export type { FetchHandler, ListenOptions, RunningServer } from './listen.js'
export { createLogger, REDACT_PATHS, requestIdFrom, requestLogging } from './logging.js'
export type { CreateLoggerOptions, Logger } from './logging.js'
export {
  checkAccessTokenClaims,
  DEFAULT_ACCESS_TOKEN_TYPES,
  normalizeTokenType,
} from './access-token-claims.js'
export type { AccessTokenCheck, AccessTokenPolicy } from './access-token-claims.js'
export { ASYMMETRIC_ALGORITHMS, createOidcVerifier } from './oidc-verifier.js'
export type { OidcVerifier, OidcVerifierOptions, TokenVerification, VerifiedToken } from './oidc-verifier.js'
export { buildOpenApiDocument, ROUTES } from './openapi/index.js'
export type { DocumentedRoute } from './openapi/index.js'
