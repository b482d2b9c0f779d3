export { connect } from './connect.js'
export { PatchbayConnectError } from './connect-error.js'
export type {
  ConnectEvent,
  ConnectFailure,
  ConnectMode,
  ConnectOptions,
  ConnectResult,
} from './types.js'
