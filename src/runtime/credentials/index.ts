export { createCredentialManager } from './credential-manager.js'
export type { CredentialManager, CredentialManagerOptions } from './credential-manager.js'
export {
  canRenew,
  clientOf,
  credentialsFromTokens,
  issueClientCredentials,
  issueLoginToken,
  obtainTokens,
  renewCredentials,
  resolveUrlProperty,
  tokenEndpointOf,
} from './renew.js'
export type { IssuedCredentials, RenewEnv } from './renew.js'
export {
  credentialsFromAccessToken,
  oauth1CredentialsFromInput,
  tokensFromOverride,
} from './oauth1-credentials.js'
