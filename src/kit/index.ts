export { apiKey, basic, oauth2 } from './auth-schemes.js'
export type { ApiKeyOptions, AuthFieldInput, BasicOptions, OAuth2Options } from './auth-schemes.js'
export { fromAppmixer, InvalidTokenError } from './appmixer.js'
export type {
  AppmixerAuthField,
  AppmixerContext,
  AppmixerDefinition,
  AppmixerFunction,
  AppmixerModule,
  AppmixerModuleContext,
  AppmixerProperty,
  AppmixerRequest,
  FromAppmixerOptions,
} from './appmixer.js'
export { oauth1 } from './oauth1-scheme.js'
export type { OAuth1Options } from './oauth1-scheme.js'
export { matchesFilter } from './catalogue.js'
export type {
  CatalogueEntry,
  CompiledCatalogue,
  ConnectorCatalogue,
  ConnectorFilter,
} from './catalogue.js'
export { errorFromBody } from './body-error.js'
export type { BodyErrorSpec } from './body-error.js'
export { defineConnector } from './define-connector.js'
export type { Duration, DurationUnit } from './duration.js'
export { EXPIRES_IN_UNITS } from '../common/index.js'
export type { ExpiresInUnit } from '../common/index.js'
export type { CapabilityWithoutSchemas, ConnectorInput } from './define-connector.js'
export {
  apiKeyFacts,
  basicFacts,
  oauth1Facts,
  oauth2Facts,
  schemeFactsOf,
} from './scheme-facts.js'
export type { SchemeFacts } from './scheme-facts.js'
export { authFieldsOf, describeConnector, jsonSchemaOf } from './info.js'
export {
  connectorFromJson,
  connectorJsonSchema,
  describeIssues,
  isJsonObject,
} from './json-connector.js'
export type { ConnectorJson } from './json-connector.js'
export { parseBoundedJson } from './json-depth.js'
export { getPath } from '../common/index.js'
export { fromWireKeys, isWireName, oldNameNotice, snakeCase, toWireKeys } from '../common/index.js'
export type { OldNameNotice } from '../common/index.js'
export { decodeJwtClaims, discoveredValueOf } from './oidc.js'
export type { DiscoveredValue, OidcOptions, ProfileInput } from './oidc.js'
export {
  MESSAGE_TYPES,
  messageTemplateSchema,
  messageTemplatesSchema,
  renderMessage,
  sendMessageCapability,
  sendMessageRequestSchema,
  sendMessageResponseSchema,
} from './messaging.js'
export type { MessageTemplate, MessageType, RenderedMessage, SendMessageRequest } from './messaging.js'
export {
  framablePageCsp,
  isFramablePageCsp,
  PAGE_CSP,
  PAGE_SECURITY_HEADERS,
} from './page-headers.js'
export { escapeHtml, RESULT_PAGE_CSS, resultPage } from './result-page.js'
export type { ResultPageInput } from './result-page.js'
export {
  isSocialProfile,
  normalizeProfile,
  primaryVerifiedEmail,
  socialProfileSchema,
} from './social-profile.js'
export type { SocialProfile } from './social-profile.js'
export { buildSpecRequest, resolveUrl } from './request-spec.js'
export { declaredCapability, isDeclaredCapability, nextLink, providerPager } from './declared-capability.js'
export type { DeclaredCapability, DeclaredPagination, DeclaredResult, ProviderPager } from './declared-capability.js'
export { renderTemplate } from '../common/index.js'
export type { TemplateScopes } from '../common/index.js'
export { checkUrlSettings, urlPolicyOf } from './url-policy.js'
export { renderUrlTemplate } from './url-template.js'
export type { HttpAllowance, SettingUrlRule, UrlPolicy, UrlPosition, UrlTemplate } from './url-template.js'
export { isPaginated, Paginated } from './types.js'
export {
  DEFAULT_WEBHOOK_ID_HEADER,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  normalizeWebhooks,
} from './webhooks.js'
export type {
  ConnectorWebhooks,
  HmacWebhookVerifier,
  NormalizedHmacVerifier,
  NormalizedWebhooks,
  WebhookContext,
  WebhookEvent,
  WebhookVerifyFunction,
} from './webhooks.js'
export type {
  ApiKeyScheme,
  AuthField,
  AuthScheme,
  BasicScheme,
  Capability,
  CapabilityContext,
  ConnectButton,
  ClientAuthMethod,
  Connector,
  CredentialPlacement,
  EmailListSpec,
  EntitlementType,
  JsonObject,
  LoginSpec,
  OAuth1AuthUrl,
  OAuth1FlowContext,
  OAuth1Scheme,
  OAuth1SignatureMethod,
  OAuth1SignInput,
  OAuth1TokenOverride,
  OAuth2Scheme,
  OidcSpec,
  PageInfo,
  ProfileSpec,
  ProviderContext,
  ProviderFailure,
  ProviderProperty,
  RequestSpec,
  ResourceType,
  ResponseErrorCode,
  ResponseErrorsSpec,
  TokenRequestEncoding,
  TokenRequestOverride,
  TokenResponsePaths,
  UrlContext,
  UrlProperty,
  ValuePicker,
  VerifiedPicker,
} from './types.js'
export { applyErrorHandlers, codeForHttpStatus, errorHandler, httpErrorHandler, httpStatusOf } from './error-handlers.js'
export type { ErrorHandler, ErrorMapping } from './error-handlers.js'
export {
  ACCOUNT_STATUSES,
  accountSchema,
  entitlementSchema,
  resourceSchema,
  STANDARD_CAPABILITIES,
  standardCapabilityOf,
  withStandardSchemas,
} from './standard-capabilities.js'
export type { Account, Entitlement, Resource, StandardCapability, StandardCapabilityName } from './standard-capabilities.js'
export { connectorOpenApiDocument } from './connector-openapi.js'
export { liftSchemaDefs } from './openapi-defs.js'
