export { createOperatorSessionService, OPERATOR_SESSION_SECONDS } from './operator-sessions.js'
export type { OperatorSessionService, OperatorSessionView } from './operator-sessions.js'
