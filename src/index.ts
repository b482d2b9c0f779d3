export { ERROR_CODES, isPatchbayError, PatchbayError, statusForCode } from './errors.js'
export type { JsonValue, PatchbayErrorCode, PatchbayErrorOptions } from './errors.js'
export {
  apiKey,
  basic,
  connectorFromJson,
  connectorJsonSchema,
  defineConnector,
  describeConnector,
  oauth2,
  Paginated,
} from './kit/index.js'
export type {
  ApiKeyOptions,
  AuthField,
  AuthScheme,
  BasicOptions,
  Capability,
  CapabilityContext,
  Connector,
  ConnectorInput,
  ConnectorJson,
  JsonObject,
  OAuth2Options,
  PageInfo,
  ProviderContext,
  ProviderProperty,
  RequestSpec,
} from './kit/index.js'
export { createPatchbay, errorEnvelope } from './runtime/index.js'
export type { Envelope, Patchbay, PatchbayOptions, RuntimeEvent } from './runtime/index.js'
export { createKeyRing, loadKeyRing, openSqliteStore, parseKeyRing } from './store/index.js'
export type { Connection, Integration, Store } from './store/index.js'
export { createServerApp, listen } from './server/index.js'
export type { RunningServer, ServerAppOptions } from './server/index.js'
export { createSandboxConnector } from './connectors/index.js'
