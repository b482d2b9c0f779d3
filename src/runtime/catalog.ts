import { renderUrlTemplate, urlPolicyOf } from '../kit/index.js'
import type { Capability, Connector, ConnectorCatalogue, ConnectorFilter, JsonObject } from '../kit/index.js'
import {
  callInputSchema,
  capabilityOf,
  capabilityContext,
  errorEnvelope,
  parseOrThrow,
  parseSettings,
  runCapability,
  withDefaultCapabilities,
} from './capabilities/index.js'
import type { Envelope } from './capabilities/index.js'
import { credentialsFromInput } from './connections/index.js'
import { guardProviderFetch, inlineFetchFor } from './fetch/index.js'
import type { FetchLike } from './fetch/index.js'
import { bindOidc, createOidcDiscovery } from './oidc/index.js'
import type { OidcDiscovery } from './oidc/index.js'
import type { ConnectorCatalog } from './patchbay-types.js'
import { secretValues } from './redact.js'
import { createRegistry } from './registry.js'
import type { Registry } from './registry.js'

/** What a connector catalog needs: no store, so nothing is opened or written. */
export interface ConnectorCatalogOptions {
  /** Connectors written in code or loaded from JSON files. */
  connectors?: Connector[]
  fetch?: FetchLike
  /** Epoch seconds; for tests. */
  now?: () => number
  /** How long a provider has to answer, in ms (default 30 000, 0 for none). */
  providerTimeoutMs?: number
  /** Provider declarations, each parsed and registered the first time its id is looked up. */
  catalogue?: ConnectorCatalogue
  /** The URL a catalogue connector's logo is served at (`GET /connectors/:id/logo`). */
  logoUrl?: (id: string) => string
}

/** The input of a capability call, checked, with the connector and capability it names. */
export interface PreparedCall {
  input: ReturnType<typeof callInputSchema.parse>
  connector: Connector
  capability: Capability
}

/** The storeless core a runtime is built on; {@link createPatchbay} adds the store to it. */
export interface CatalogCore {
  registry: Registry
  /** The provider fetch: unreachable and silent providers become `provider_error`/`timeout`. */
  fetch: FetchLike
  now: () => number
  oidc: OidcDiscovery
  /** Registers a connector with its default capabilities and its OIDC endpoints bound. */
  register(connector: Connector): void
  baseUrlOf(connectorId: string, settings: JsonObject): string
  /** @throws PatchbayError `bad_request`, `not_found`, `not_implemented` */
  prepareCall(connectorId: string, capabilityName: string, input: unknown): PreparedCall
  /** Calls a capability with the inline `{auth, settings, request, page}` of `input`. */
  callInline(connectorId: string, capabilityName: string, input: unknown): Promise<Envelope>
}

/** Builds the storeless core of a runtime: the registry, the provider fetch, inline calls. */
export function createCatalogCore(options: ConnectorCatalogOptions = {}): CatalogCore {
  const fetchImpl: FetchLike = guardProviderFetch(
    options.fetch ?? ((input, init) => fetch(input, init)),
    options.providerTimeoutMs,
  )
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const oidc = createOidcDiscovery({ fetch: fetchImpl, now })
  const prepare = (connector: Connector) => withDefaultCapabilities(bindOidc(connector, oidc), fetchImpl, now)
  const registry = createRegistry({
    prepare,
    ...(options.catalogue ? { catalogue: options.catalogue } : {}),
    ...(options.logoUrl ? { logoUrl: options.logoUrl } : {}),
  })

  // Rendered base URLs per connector object (a re-registered connector starts afresh) and
  // settings: the proxy asks on every request, and rendering checks every placeholder.
  const baseUrls = new WeakMap<Connector, Map<string, string>>()
  const baseUrlOf = (connectorId: string, settings: JsonObject) => {
    const connector = registry.get(connectorId)
    const template = connector.baseUrl
    if (!template) return ''
    let rendered = baseUrls.get(connector)
    if (!rendered) baseUrls.set(connector, (rendered = new Map()))
    const key = JSON.stringify(settings)
    const known = rendered.get(key)
    if (known !== undefined) return known
    const url = renderUrlTemplate(template, [settings, { settings }], urlPolicyOf(connector))
    if (rendered.size >= 1000) rendered.clear()
    rendered.set(key, url)
    return url
  }

  const prepareCall = (connectorId: string, capabilityName: string, input: unknown): PreparedCall => {
    const connector = registry.get(connectorId)
    const capability = capabilityOf(connector, capabilityName)
    return { input: parseOrThrow(callInputSchema, input, ''), connector, capability }
  }

  async function callInline(connectorId: string, capabilityName: string, input: unknown): Promise<Envelope> {
    const raisedIn = `${connectorId}:${capabilityName}`
    let secrets: string[] = []
    try {
      const { input: parsed, connector, capability } = prepareCall(connectorId, capabilityName, input)
      secrets = secretValues(parsed.auth as JsonObject | undefined)
      const settings = parseSettings(connector, parsed.settings ?? {})
      const baseUrl = baseUrlOf(connector.id, settings)
      const issued =
        capability.requiresAuth === false
          ? { credentials: {}, expiresAt: null }
          : await credentialsFromInput(
              { fetch: fetchImpl, now },
              connector.auth,
              (parsed.auth ?? {}) as JsonObject,
              { integration: null, settings, baseUrl },
            )
      secrets = [...secrets, ...secretValues(issued.credentials)]
      const ctx = capabilityContext({
        settings,
        credentials: issued.credentials,
        baseUrl,
        fetch: inlineFetchFor(
          { fetch: fetchImpl, baseUrlOf },
          connector,
          issued.credentials,
          settings,
          inlineClientContext(parsed.auth),
        ),
        page: parsed.page ?? null,
        connectionId: null,
      })
      const result = await runCapability(capability, ctx, parsed.request, connector.errorHandlers)
      return { response: result.response, page: result.page, error: null }
    } catch (error) {
      return errorEnvelope(error, raisedIn, secrets)
    }
  }

  return {
    registry,
    fetch: fetchImpl,
    now,
    oidc,
    register: (connector) => registry.register(prepare(connector)),
    baseUrlOf,
    prepareCall,
    callInline,
  }
}

/**
 * `{{clientId}}` for a call with inline credentials: the `client_id` given beside the tokens
 * (Twitch wants it in a `Client-Id` header on every request).
 */
function inlineClientContext(auth: JsonObject | undefined): JsonObject | undefined {
  const clientId = auth?.['client_id']
  return typeof clientId === 'string' && clientId !== '' ? { clientId } : undefined
}

/**
 * The connectors alone, with no store: their descriptions and capability calls with inline
 * credentials. What `patchbay info` and an inline `patchbay call` need, so neither opens a
 * database.
 * @example
 * const catalog = createConnectorCatalog({ connectors: [github] })
 * const envelope = await catalog.call('github', 'get_user_info', { auth: { access_token }, request: {} })
 */
export function createConnectorCatalog(options: ConnectorCatalogOptions = {}): ConnectorCatalog {
  const core = createCatalogCore(options)
  for (const connector of options.connectors ?? []) core.register(connector)
  return {
    connectors: {
      list: () => core.registry.list(),
      describe: (filter?: ConnectorFilter) => core.registry.describe(filter),
      logo: (id: string) => core.registry.logo(id),
      get: (id: string) => core.registry.get(id),
      find: (id: string) => core.registry.find(id),
      register: core.register,
    },
    call: core.callInline,
  }
}
