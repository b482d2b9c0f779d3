export { startSandbox } from './server.js'
export type {
  Sandbox,
  SandboxClient,
  SandboxConfig,
  SandboxCredentials,
  SandboxFailure,
  SandboxOptions,
  SandboxStats,
} from './types.js'
