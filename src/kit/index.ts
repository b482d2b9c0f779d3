export { apiKey, basic, oauth2 } from './auth-schemes.js'
export type { ApiKeyOptions, AuthFieldInput, BasicOptions, OAuth2Options } from './auth-schemes.js'
export { defineConnector } from './define-connector.js'
export type { ConnectorInput } from './define-connector.js'
export { authFieldsOf, authJsonSchema, describeConnector, jsonSchemaOf } from './info.js'
export {
  connectorFromJson,
  connectorJsonSchema,
  describeIssues,
  isJsonObject,
} from './json-connector.js'
export type { ConnectorJson } from './json-connector.js'
export { getPath } from './json-path.js'
export { buildSpecRequest, resolveUrl } from './request-spec.js'
export { renderDeep, renderRecord, renderTemplate, templateVariables } from './template.js'
export type { TemplateScopes } from './template.js'
export { Paginated } from './types.js'
export type {
  ApiKeyScheme,
  AuthField,
  AuthScheme,
  BasicScheme,
  Capability,
  CapabilityContext,
  ClientAuthMethod,
  Connector,
  CredentialPlacement,
  JsonObject,
  LoginSpec,
  OAuth2Scheme,
  PageInfo,
  ProfileSpec,
  ProviderContext,
  ProviderFailure,
  ProviderProperty,
  RequestSpec,
  TokenRequestEncoding,
  TokenRequestOverride,
  UrlContext,
  UrlProperty,
  ValuePicker,
} from './types.js'
