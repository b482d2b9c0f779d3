export { createCredentialManager } from './credential-manager.js'
export type { CredentialManagerOptions } from './credential-manager.js'
export type { CredentialManager, GetCredentialsOptions } from './types.js'
export {
  clientOf,
  credentialsFromTokens,
  obtainTokens,
  resolveUrlProperty,
  tokenEndpointOf,
} from './token-endpoint.js'
export type { IssuedCredentials, RenewEnv } from './token-endpoint.js'
export type { CooldownPolicy } from './refresh-cooldown.js'
export type { RecoveryReport } from './refresh-recovery.js'
