export { AUTH_SESSION_SECONDS, beginAuthorization } from './authorization.js'
export type {
  AuthorizationResult,
  AuthorizationStart,
  BeginAuthorizationOptions,
} from './authorization.js'
export {
  beginWithSession,
  completeWithSessions,
  CONNECT_SESSION_SECONDS,
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
