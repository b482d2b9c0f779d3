import { randomBytes } from 'node:crypto'
import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { connectorFromJson, renderTemplate } from '../kit/index.js'
import type { Connector, JsonObject } from '../kit/index.js'
import type { Connection, Integration, IntegrationInput, Store } from '../store/index.js'
import { beginAuthorization, checkRedirect, completeAuthorization } from './authorization.js'
import type { AuthorizationResult, AuthorizationStart, BeginAuthorizationOptions } from './authorization.js'
import { authorizedFetchFor } from './connection-fetch.js'
import { callInputSchema, capabilityContext, parseOrThrow, parseSettings, runCapability } from './capabilities.js'
import { createConnection, credentialsFromInput } from './connections.js'
import type { CreateConnectionInput } from './connections.js'
import { createCredentialManager } from './credential-manager.js'
import { withDefaultCapabilities } from './default-capabilities.js'
import type { RuntimeDeps } from './deps.js'
import { errorEnvelope } from './envelope.js'
import type { Envelope } from './envelope.js'
import type { RuntimeEvent, RuntimeEventListener } from './events.js'
import type { FetchLike } from './provider-call.js'
import { secretValues } from './redact.js'
import { createRegistry } from './registry.js'

export interface PatchbayOptions {
  store: Store
  /** Connectors written in code; JSON ones registered through the store are loaded too. */
  connectors?: Connector[]
  /** Where browsers reach Patchbay, e.g. `https://patchbay.example.com`. */
  publicUrl?: string
  /** Extra origins a connect flow may redirect to when done. */
  allowedRedirectOrigins?: string[]
  /** Refresh this many seconds before expiry (default 300). */
  refreshMargin?: number
  fetch?: FetchLike
  /** Epoch seconds; for tests. */
  now?: () => number
  onEvent?: RuntimeEventListener
}

/** Connect sessions are short: a browser is expected to open the URL right away. */
export const CONNECT_SESSION_SECONDS = 30 * 60

export interface ConnectSessionOptions {
  connectionId?: string
  redirect?: string
  endUser?: string
  /** Seconds the session stays usable; at most an hour. */
  ttl?: number
}

/**
 * Creates a Patchbay runtime: the library API every shell (CLI, HTTP server) translates to.
 * @example
 * const patchbay = await createPatchbay({ store: openSqliteStore({ path, keyRing }), connectors: [github] })
 * const response = await patchbay.connection('conn_1').fetch('/user')
 */
export async function createPatchbay(options: PatchbayOptions) {
  const store = options.store
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => fetch(input, init))
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const publicUrl = (options.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '')
  const listeners = new Set<RuntimeEventListener>(options.onEvent ? [options.onEvent] : [])
  const emit = (event: RuntimeEvent) => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch {
        // A listener's failure must not undo what already happened to the connection.
      }
    }
  }

  const registry = createRegistry()
  const register = (connector: Connector) => registry.register(withDefaultCapabilities(connector, fetchImpl))
  for (const stored of await store.listConnectors()) register(connectorFromJson(stored.definition))
  for (const connector of options.connectors ?? []) register(connector)

  const baseUrlOf = (connectorId: string, settings: JsonObject) => {
    const template = registry.get(connectorId).baseUrl
    return template ? renderTemplate(template, [settings, { settings }]) : ''
  }

  const resolve = async (connection: Connection) => {
    const integration = await store.getIntegration(connection.integrationId)
    if (!integration) {
      throw new PatchbayError('not_found', `Integration "${connection.integrationId}" does not exist`)
    }
    return { integration, connector: registry.get(integration.connectorId) }
  }

  const credentials = createCredentialManager({
    store,
    resolve,
    baseUrlOf: (connector, settings) => baseUrlOf(connector.id, settings),
    fetch: fetchImpl,
    now,
    refreshMargin: options.refreshMargin ?? 300,
    emit,
  })

  const deps: RuntimeDeps = {
    store,
    registry,
    fetch: fetchImpl,
    now,
    random: (bytes) => randomBytes(bytes),
    publicUrl,
    allowedRedirectOrigins: options.allowedRedirectOrigins ?? [],
    emit,
    credentials,
    baseUrlOf,
  }

  async function requireConnection(id: string): Promise<Connection> {
    const connection = await store.getConnection(id)
    if (!connection) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
    return connection
  }

  /** A fetch bound to one stored connection, with refresh ahead of expiry and on a 401. */
  async function connectionFetch(id: string) {
    const connection = await requireConnection(id)
    const { connector } = await resolve(connection)
    return authorizedFetchFor(deps, connector, connection)
  }

  async function callConnector(
    connectorId: string,
    capabilityName: string,
    input: unknown,
    via: { connectionId?: string } = {},
  ): Promise<Envelope> {
    const raisedIn = `${connectorId}:${capabilityName}`
    let secrets: string[] = []
    try {
      const parsed = parseOrThrow(callInputSchema, input, '')
      const connector = registry.get(connectorId)
      const capability = connector.capabilities[capabilityName]
      if (!capability) {
        throw new PatchbayError('not_implemented', `Connector "${connectorId}" has no capability "${capabilityName}"`)
      }
      let ctx
      if (via.connectionId) {
        const connection = await requireConnection(via.connectionId)
        const { connector: owner } = await resolve(connection)
        if (owner.id !== connector.id) {
          throw new PatchbayError(
            'bad_request',
            `Connection "${connection.id}" is not a ${connector.id} connection`,
            { details: { problems: [`connectionId: a ${owner.id} connection, not ${connector.id}`] } },
          )
        }
        const current = await credentials.getCredentials(connection.id)
        secrets = secretValues(current)
        ctx = capabilityContext({
          settings: connection.settings,
          credentials: current,
          baseUrl: baseUrlOf(connector.id, connection.settings),
          fetch: authorizedFetchFor(deps, connector, connection),
          page: parsed.page ?? null,
          connectionId: connection.id,
        })
      } else {
        secrets = secretValues(parsed.auth as JsonObject | undefined)
        const settings = parseSettings(connector, parsed.settings ?? {})
        const baseUrl = baseUrlOf(connector.id, settings)
        const issued = await credentialsFromInput(deps, connector.auth, (parsed.auth ?? {}) as JsonObject, {
          integration: null,
          settings,
          baseUrl,
        })
        secrets = [...secrets, ...secretValues(issued.credentials)]
        ctx = capabilityContext({
          settings,
          credentials: issued.credentials,
          baseUrl,
          fetch: authorizedFetchFor(deps, connector, null, issued.credentials, settings),
          page: parsed.page ?? null,
          connectionId: null,
        })
      }
      const result = await runCapability(capability, ctx, parsed.request)
      return { response: result.response, page: result.page, error: null }
    } catch (error) {
      return errorEnvelope(error, raisedIn, secrets)
    }
  }

  return {
    store,
    publicUrl,
    /** Subscribes to connection events; returns the unsubscribe function. */
    on(listener: RuntimeEventListener): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    connectors: {
      list: () => registry.list(),
      get: (id: string) => registry.get(id),
      /** Registers a connector written in code (not persisted). */
      register,
      /** Validates and stores a JSON connector, then registers it. */
      async put(id: string, json: unknown): Promise<Connector> {
        if (json && typeof json === 'object' && 'id' in json && (json as { id: unknown }).id !== id) {
          throw new PatchbayError('bad_request', `The body's id does not match "${id}"`)
        }
        const connector = connectorFromJson({ ...(json as object), id })
        await store.putConnector(id, { ...(json as JsonObject), id })
        register(connector)
        return registry.get(id)
      },
    },

    integrations: {
      async put(input: IntegrationInput): Promise<Integration> {
        registry.get(input.connectorId)
        return store.putIntegration(input)
      },
      get: (id: string) => store.getIntegration(id),
      list: () => store.listIntegrations(),
      delete: (id: string) => store.deleteIntegration(id),
    },

    connections: {
      create: (input: CreateConnectionInput) => createConnection(deps, input),
      get: (id: string) => store.getConnection(id),
      list: (filter?: { integrationId?: string }) => store.listConnections(filter),
      async delete(id: string): Promise<boolean> {
        const connection = await store.getConnection(id)
        if (!connection) return false
        const deleted = await store.deleteConnection(id)
        if (deleted) {
          emit({ type: 'connection.deleted', connectionId: id, integrationId: connection.integrationId })
        }
        return deleted
      },
      /** Renews the credentials now, whatever their expiry. */
      async refresh(id: string): Promise<Connection> {
        const connection = await requireConnection(id)
        await credentials.getCredentials(id, { force: true, stale: connection.credentials })
        return requireConnection(id)
      },
    },

    /** Fresh credentials of a connection: refreshed first when near expiry, one refresh at a time. */
    getCredentials: (id: string) => credentials.getCredentials(id),

    /** One connection's API: an authenticated fetch and capability calls. */
    connection(id: string) {
      return {
        fetch: async (path: string | URL, init?: RequestInit) => (await connectionFetch(id))(path, init),
        async call(capability: string, input: { request: JsonValue; page?: JsonObject | null }) {
          const connection = await requireConnection(id)
          const { connector } = await resolve(connection)
          return callConnector(connector.id, capability, input, { connectionId: id })
        },
      }
    },

    /** Calls a capability with inline `{auth, settings, request, page}` or a stored connection. */
    call: callConnector,

    beginAuthorization: (integrationId: string, opts?: BeginAuthorizationOptions): Promise<AuthorizationStart> =>
      beginAuthorization(deps, integrationId, opts),
    completeAuthorization: (integrationId: string, params: URLSearchParams): Promise<AuthorizationResult> =>
      completeAuthorization(deps, integrationId, params),

    connectSessions: {
      /** A short-lived token that lets a browser start one connect flow without the API key. */
      async create(integrationId: string, opts: ConnectSessionOptions = {}) {
        const integration = await store.getIntegration(integrationId)
        if (!integration) throw new PatchbayError('not_found', `Integration "${integrationId}" does not exist`)
        const redirect = checkRedirect(deps, opts.redirect)
        const token = `cs_${randomBytes(24).toString('base64url')}`
        const ttl = Math.min(Math.max(opts.ttl ?? CONNECT_SESSION_SECONDS, 60), 3600)
        const expiresAt = now() + ttl
        await store.createConnectSession({
          token,
          integrationId,
          connectionId: opts.connectionId ?? null,
          redirect,
          endUser: opts.endUser ?? null,
          expiresAt,
        })
        const url = `${publicUrl}/auth/${encodeURIComponent(integrationId)}/start?session=${token}`
        return { token, url, expiresAt }
      },
      /** Spends a connect session on starting its flow. */
      async start(integrationId: string, token: string): Promise<AuthorizationStart> {
        const session = await store.getConnectSession(token, now())
        if (!session || session.integrationId !== integrationId) {
          throw new PatchbayError('unauthorized', 'The connect session is unknown, expired or for another integration')
        }
        if (!(await store.consumeConnectSession(token, now()))) {
          throw new PatchbayError('unauthorized', 'The connect session was already used')
        }
        return beginAuthorization(deps, integrationId, {
          ...(session.connectionId ? { connectionId: session.connectionId } : {}),
          ...(session.redirect ? { redirect: session.redirect } : {}),
          ...(session.endUser ? { createdBy: session.endUser } : {}),
        })
      },
    },

    async close(): Promise<void> {
      await store.close()
    },
  }
}

export type Patchbay = Awaited<ReturnType<typeof createPatchbay>>
