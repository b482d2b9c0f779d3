export { createSandboxConnector, DEFAULT_SANDBOX_URL } from './sandbox/index.js'
