export {
  callInputSchema,
  capabilityOf,
  capabilityContext,
  parseOrThrow,
  parseSettings,
  runCapability,
} from './capabilities.js'
export { withDefaultCapabilities } from './default-capabilities.js'
export { errorEnvelope } from './envelope.js'
export type { Envelope, EnvelopeError, ErrorEnvelope, SuccessEnvelope } from './envelope.js'
