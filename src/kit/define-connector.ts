import type { z } from 'zod'
import type { AuthScheme, Capability, ConnectButton, Connector, EntitlementType, ResourceType } from './types.js'
import { declaredCapability, isDeclaredCapability } from './declared-capability.js'
import type { DeclaredCapability } from './declared-capability.js'
import type { ErrorHandler } from './error-handlers.js'
import { profileProblems } from './social-profile.js'
import { standardCapabilityOf, withStandardSchemas } from './standard-capabilities.js'
import { urlPolicyFromSettings } from './url-policy.js'
import type { HttpAllowance, UrlPolicy } from './url-template.js'
import { normalizeWebhooks } from './webhooks.js'
import type { ConnectorWebhooks } from './webhooks.js'

/** What a connector author writes; categories and capabilities may be left out. */
export interface ConnectorInput<S> {
  id: string
  name: string
  description?: string
  logoUrl?: string
  categories?: string[]
  docsUrl?: string
  version?: string
  baseUrl?: string
  /** `http:` for `format: "uri"` settings: `loopback` (this machine) or `any` (clear text). */
  allowHttp?: HttpAllowance
  settings: z.ZodType<S>
  auth: AuthScheme
  /**
   * Capabilities with code (`run`), or declared as a templated request with no code. A standard
   * capability (`list_accounts`, `get_account`…) may leave out its schemas: the standard ones apply.
   */
  capabilities?: Record<string, Capability<any, any, S> | CapabilityWithoutSchemas<S> | DeclaredCapability>
  /** The resource types `list_resources` lists, and the entitlement types granted on them. */
  resourceTypes?: ResourceType[]
  entitlementTypes?: EntitlementType[]
  /**
   * Capabilities Patchbay would add that this connector leaves out: the OAuth module's
   * (`get_authorization_url`, `handle_authorization_callback`, `refresh_access_token`,
   * `handle_client_credentials_request`), `validate_credentials`, `get_user_info`.
   */
  disabledCapabilities?: string[]
  /**
   * Turn errors the capabilities throw into envelope errors, first match wins; errors carrying an
   * HTTP status that no handler takes get the default mapping (401/403 unauthorized, 404
   * not_found, 429 rate_limited, others provider_error).
   */
  errorHandlers?: ErrorHandler[]
  /** Incoming webhooks: a declared HMAC verifier or a function, and an optional handler. */
  webhooks?: ConnectorWebhooks
  /** The Connect page's sign-in button; the auth scheme's (`fromAppmixer`) when absent. */
  connectButton?: ConnectButton
}

/** A standard capability written with code, its schemas taken from the registry. */
export type CapabilityWithoutSchemas<S = any> = Omit<Capability<any, any, S>, 'request' | 'response'> &
  Partial<Pick<Capability<any, any, S>, 'request' | 'response'>>

/** What Patchbay adds to connectors, and so what `disabledCapabilities` may name. */
const ADDED_CAPABILITIES = new Set([
  'validate_credentials',
  'get_user_info',
  'get_authorization_url',
  'handle_authorization_callback',
  'refresh_access_token',
  'handle_client_credentials_request',
])

const CONNECTOR_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/
const TYPE_ID = /^[a-z][a-z0-9_]{0,62}$/
const CAPABILITY_NAME = /^[a-z][a-z0-9_]{0,62}$/

/**
 * Declares a connector. Checks the definition once, here, so a mistake surfaces at load time.
 * @example
 * export const acme = defineConnector({
 *   id: 'acme', name: 'Acme', settings: z.object({}),
 *   baseUrl: 'https://api.acme.test',
 *   auth: apiKey({ header: 'X-Api-Key', validate: '/me' }),
 * })
 */
export function defineConnector<S>(input: ConnectorInput<S>): Connector<S> {
  if (!CONNECTOR_ID.test(input.id)) {
    throw new TypeError(
      `defineConnector: id "${input.id}" must be lowercase letters, digits, "-" or "_"`,
    )
  }
  if (!input.name) throw new TypeError(`defineConnector(${input.id}): name is required`)
  if (!input.settings || typeof (input.settings as { safeParse?: unknown }).safeParse !== 'function') {
    throw new TypeError(`defineConnector(${input.id}): settings must be a zod schema`)
  }
  if (!input.auth || typeof input.auth !== 'object' || !('type' in input.auth)) {
    throw new TypeError(
      `defineConnector(${input.id}): auth must come from oauth2(), apiKey() or basic()`,
    )
  }
  for (const name of Object.keys(input.capabilities ?? {})) {
    if (!CAPABILITY_NAME.test(name)) {
      throw new TypeError(`defineConnector(${input.id}): capability "${name}" must be snake_case`)
    }
  }
  const profileTrouble = profileProblems(input.auth.profile)
  if (profileTrouble.length > 0) {
    throw new TypeError(`defineConnector(${input.id}): ${profileTrouble.join('; ')}`)
  }
  const urlPolicy = urlPolicyFromSettings(input.settings, input.allowHttp)
  const tokenSettings = 'tokenResponse' in input.auth ? input.auth.tokenResponse?.settings : undefined
  for (const name of Object.keys(tokenSettings ?? {})) {
    // Declared, so the schema's format and pattern check what the provider sends.
    if (!(name in urlPolicy.settings)) {
      throw new TypeError(
        `defineConnector(${input.id}): tokenResponse.settings.${name} is not a declared setting`,
      )
    }
  }
  const { webhooks, connectButton, ...rest } = input
  const button = connectButton ?? input.auth.connectButton
  if (input.allowHttp !== undefined && input.allowHttp !== 'loopback' && input.allowHttp !== 'any') {
    throw new TypeError(`defineConnector(${input.id}): allowHttp must be "loopback" or "any"`)
  }
  const capabilities: Record<string, Capability<any, any, S>> = {}
  for (const [name, capability] of Object.entries(input.capabilities ?? {})) {
    try {
      capabilities[name] = isDeclaredCapability(capability)
        ? declaredOf(name, capability, urlPolicy)
        : capabilityOf(name, capability)
    } catch (error) {
      if (error instanceof TypeError) throw new TypeError(`defineConnector(${input.id}): ${error.message}`)
      throw error
    }
  }
  const types = typeProblems(input, capabilities)
  if (types.length > 0) throw new TypeError(`defineConnector(${input.id}): ${types.join('; ')}`)
  const declaredTypes = new Set((input.resourceTypes ?? []).map((type) => type.id))
  for (const name of ['list_resources', 'list_entitlements', 'assign_entitlement', 'unassign_entitlement']) {
    const capability = capabilities[name]
    if (capability) capabilities[name] = { ...capability, request: ofDeclaredType(capability.request, declaredTypes) }
  }
  return {
    ...rest,
    resourceTypes: (input.resourceTypes ?? []).map((type) => ({ ...type })),
    entitlementTypes: (input.entitlementTypes ?? []).map((type) => ({ ...type })),
    disabledCapabilities: [...(input.disabledCapabilities ?? [])],
    // The settings schema says which settings may be host names or whole URLs; every URL the
    // runtime renders from this scheme is checked against it.
    auth: { ...input.auth, urlPolicy },
    ...(button === undefined ? {} : { connectButton: { ...button } }),
    categories: [...(input.categories ?? [])],
    capabilities,
    ...(webhooks === undefined ? {} : { webhooks: normalizeWebhooks(input.id, webhooks) }),
  }
}

/** A capability with code and its schemas: its own, or the standard ones for a standard name. */
function capabilityOf<S>(name: string, capability: Capability<any, any, S> | CapabilityWithoutSchemas<S>): Capability<any, any, S> {
  if (typeof capability.run !== 'function') {
    throw new TypeError(`capability "${name}" needs a run function or an http request`)
  }
  return withStandardSchemas(name, capability) as Capability<any, any, S>
}

/** A declared capability; under a standard name, the schemas it leaves out are the standard ones. */
function declaredOf(name: string, declared: DeclaredCapability, urlPolicy: UrlPolicy): Capability {
  const built = declaredCapability(declared, urlPolicy)
  if (!standardCapabilityOf(name)) return built
  return withStandardSchemas(name, {
    ...built,
    request: declared.request === undefined ? undefined : built.request,
    response: declared.response === undefined ? undefined : built.response,
  })
}

/** What is wrong with the declared resource and entitlement types and the capabilities using them. */
function typeProblems<S>(input: ConnectorInput<S>, capabilities: Record<string, Capability<any, any, S>>): string[] {
  const problems: string[] = []
  const resourceIds = new Set<string>()
  for (const [index, type] of (input.resourceTypes ?? []).entries()) {
    if (!TYPE_ID.test(type.id)) problems.push(`resourceTypes[${index}].id "${type.id}" must be snake_case`)
    if (resourceIds.has(type.id)) problems.push(`resourceTypes[${index}].id "${type.id}" is declared twice`)
    if (!type.label) problems.push(`resourceTypes[${index}].label is required`)
    resourceIds.add(type.id)
  }
  const entitlementIds = new Set<string>()
  for (const [index, type] of (input.entitlementTypes ?? []).entries()) {
    if (!TYPE_ID.test(type.id)) problems.push(`entitlementTypes[${index}].id "${type.id}" must be snake_case`)
    if (entitlementIds.has(type.id)) problems.push(`entitlementTypes[${index}].id "${type.id}" is declared twice`)
    if (!type.label) problems.push(`entitlementTypes[${index}].label is required`)
    if (!resourceIds.has(type.resourceType)) {
      problems.push(`entitlementTypes[${index}].resourceType "${type.resourceType}" is not a declared resource type`)
    }
    if (type.min !== undefined && type.max !== undefined && type.min > type.max) {
      problems.push(`entitlementTypes[${index}]: min is more than max`)
    }
    entitlementIds.add(type.id)
  }
  if ((capabilities['list_resources'] || capabilities['list_entitlements']) && resourceIds.size === 0) {
    problems.push('list_resources and list_entitlements need resourceTypes')
  }
  if ((capabilities['assign_entitlement'] || capabilities['unassign_entitlement']) && entitlementIds.size === 0) {
    problems.push('assign_entitlement and unassign_entitlement need entitlementTypes')
  }
  for (const name of input.disabledCapabilities ?? []) {
    if (!ADDED_CAPABILITIES.has(name)) {
      problems.push(`disabledCapabilities: "${name}" is not a capability Patchbay adds`)
    } else if (input.capabilities?.[name]) {
      problems.push(`disabledCapabilities: "${name}" is also written in capabilities`)
    }
  }
  return problems
}

/** A request schema whose `resource_type` must be one the connector declares. */
function ofDeclaredType(request: Capability['request'], declared: ReadonlySet<string>): Capability['request'] {
  const names = [...declared].join(', ')
  return request.superRefine((value, ctx) => {
    const type = (value as { resource_type?: unknown } | null)?.resource_type
    if (typeof type === 'string' && !declared.has(type)) {
      ctx.addIssue({ code: 'custom', path: ['resource_type'], message: `"${type}" is not one of ${names}` })
    }
  })
}
