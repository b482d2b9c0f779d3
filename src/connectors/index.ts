export { createSandboxConnector } from './sandbox/index.js'
