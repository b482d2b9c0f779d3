export { createSandboxApiKeyConnector } from './sandbox-api-key-connector.js'
export { createSandboxConnector } from './sandbox-connector.js'
