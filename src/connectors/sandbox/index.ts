export { createSandboxConnector, DEFAULT_SANDBOX_URL } from './sandbox-connector.js'
