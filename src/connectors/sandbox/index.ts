export { createSandboxConnector } from './sandbox-connector.js'
