import type { z } from 'zod'
import type { AuthScheme, Capability, ConnectButton, Connector } from './types.js'
import { declaredCapability, isDeclaredCapability } from './declared-capability.js'
import type { DeclaredCapability } from './declared-capability.js'
import type { ErrorHandler } from './error-handlers.js'
import { profileProblems } from './social-profile.js'
import { urlPolicyFromSettings } from './url-policy.js'
import type { HttpAllowance } from './url-template.js'
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
  /** Capabilities with code (`run`), or declared as a templated request with no code. */
  capabilities?: Record<string, Capability<any, any, S> | DeclaredCapability>
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

const CONNECTOR_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/
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
  const { webhooks, connectButton, ...rest } = input
  const button = connectButton ?? input.auth.connectButton
  if (input.allowHttp !== undefined && input.allowHttp !== 'loopback' && input.allowHttp !== 'any') {
    throw new TypeError(`defineConnector(${input.id}): allowHttp must be "loopback" or "any"`)
  }
  const urlPolicy = urlPolicyFromSettings(input.settings, input.allowHttp)
  const capabilities: Record<string, Capability<any, any, S>> = {}
  for (const [name, capability] of Object.entries(input.capabilities ?? {})) {
    capabilities[name] = isDeclaredCapability(capability)
      ? declaredCapability(capability, urlPolicy)
      : (capability as Capability<any, any, S>)
  }
  return {
    ...rest,
    // The settings schema says which settings may be host names or whole URLs; every URL the
    // runtime renders from this scheme is checked against it.
    auth: { ...input.auth, urlPolicy },
    ...(button === undefined ? {} : { connectButton: { ...button } }),
    categories: [...(input.categories ?? [])],
    capabilities,
    ...(webhooks === undefined ? {} : { webhooks: normalizeWebhooks(input.id, webhooks) }),
  }
}
