export { beginAuthorization } from './dispatch.js'
export type {
  AuthorizationResult,
  AuthorizationStart,
  BeginAuthorizationOptions,
} from './authorization.js'
export {
  allowsAppOrigin,
  beginWithSession,
  completeWithSessions,
  connectWithSession,
  createConnectSession,
  openConnectSession,
  startConnectSession,
} from './connect-sessions.js'
export type {
  ConnectSessionOptions,
  CreatedConnectSession,
  OpenConnectSession,
  SessionAuthorizationResult,
  SessionConnectionInput,
} from './connect-sessions.js'
export type { FlowBinding } from './flow-binding.js'
export {
  AUTH_SESSION_SECONDS,
  beginOAuth2Authorization,
  checkRedirect,
  exchangeCode,
  oauthIntegration,
  redirectUriOf,
} from './authorization.js'
export { boundSessionKey, presentedBinding, unknownFlow } from './flow-binding.js'
