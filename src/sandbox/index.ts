export { startSandbox } from './server.js'
export type {
  IdTokenTamper,
  Sandbox,
  SandboxClient,
  SandboxConfig,
  SandboxCredentials,
  SandboxFailure,
  SandboxOptions,
  SandboxQuirks,
  SandboxStats,
} from './types.js'
