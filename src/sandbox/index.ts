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
  SandboxRotation,
  SandboxStats,
} from './types.js'
