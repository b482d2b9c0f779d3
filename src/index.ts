// The zod Patchbay is built with, so a connector file needs nothing installed beside it.
export { z } from 'zod'
export { ERROR_CODES, isPatchbayError, PatchbayError, statusForCode } from './errors.js'
export type { JsonValue, PatchbayErrorCode, PatchbayErrorOptions } from './errors.js'
export {
  apiKey,
  basic,
  connectorFromJson,
  connectorJsonSchema,
  defineConnector,
  connectorOpenApiDocument,
  describeConnector,
  errorHandler,
  httpErrorHandler,
  fromAppmixer,
  InvalidTokenError,
  oauth1,
  oauth2,
  Paginated,
  providerPager,
  MESSAGE_TYPES,
  messageTemplatesSchema,
  normalizeProfile,
  renderMessage,
  sendMessageCapability,
  socialProfileSchema,
  ACCOUNT_STATUSES,
  accountSchema,
  entitlementSchema,
  resourceSchema,
  STANDARD_CAPABILITIES,
} from './kit/index.js'
export type {
  ApiKeyOptions,
  AppmixerModule,
  AppmixerModuleContext,
  AuthField,
  AuthScheme,
  BasicOptions,
  Capability,
  CapabilityContext,
  ConnectButton,
  Connector,
  ConnectorInput,
  ConnectorJson,
  ConnectorWebhooks,
  DeclaredCapability,
  DeclaredPagination,
  DeclaredResult,
  ProviderPager,
  ErrorHandler,
  ErrorMapping,
  HmacWebhookVerifier,
  JsonObject,
  OAuth1Options,
  OAuth1Scheme,
  OAuth2Options,
  PageInfo,
  ProviderContext,
  ProviderProperty,
  RequestSpec,
  WebhookContext,
  WebhookEvent,
  MessageTemplate,
  MessageType,
  RenderedMessage,
  SendMessageRequest,
  SocialProfile,
  Account,
  CapabilityWithoutSchemas,
  Entitlement,
  EntitlementType,
  Resource,
  ResourceType,
  StandardCapability,
  StandardCapabilityName,
} from './kit/index.js'
export { createConnectorCatalog, createPatchbay, errorEnvelope, readImportRecords } from './runtime/index.js'
export type {
  ConnectionPageQuery,
  ImportOptions,
  ImportProgress,
  ImportRecord,
  ImportReport,
  ImportSource,
} from './runtime/index.js'
export { addWebhookEndpoint, createWebhookDispatcher, receiveWebhook } from './runtime/index.js'
export type {
  ConfiguredWebhookEndpoint,
  WebhookDispatcher,
  WebhookDispatcherOptions,
  WebhookEventType,
} from './runtime/index.js'
export type {
  ConnectorCatalog,
  ConnectorCatalogOptions,
  Envelope,
  Patchbay,
  PatchbayOptions,
  ResolvedConnection,
  RetryPolicy,
  RuntimeEvent,
} from './runtime/index.js'
export type { AuthorizationStart, FlowBinding } from './runtime/index.js'
export type { BeginSignInOptions, PatchbaySignIn, SignInResult } from './runtime/index.js'
export { createKeyRing, loadKeyRing, openSqliteStore, parseKeyRing } from './store/index.js'
export type {
  Connection,
  ConnectionPage,
  ConnectionSummary,
  DueConnection,
  Integration,
  Store,
} from './store/index.js'
export {
  checkAccessTokenClaims,
  createLogger,
  createOidcVerifier,
  createServerApp,
  listen,
} from './server/index.js'
export type {
  AccessTokenPolicy,
  OidcVerifierOptions,
  RunningServer,
  ServerAppOptions,
} from './server/index.js'
export {
  createAliyunDirectMailConnector,
  createSandboxApiKeyConnector,
  createSandboxConnector,
  createSmtpConnector,
  createTwilioSmsConnector,
  createVonageSmsConnector,
} from './connectors/index.js'
export { loadCatalogue } from './config/index.js'
export type { LoadCatalogueOptions } from './config/index.js'
export type { ConnectorCatalogue, ConnectorFilter } from './kit/index.js'
