import { randomBytes } from 'node:crypto'
import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { connectorFromJson } from '../kit/index.js'
import type { Connector, ConnectorCatalogue, ConnectorFilter, JsonObject } from '../kit/index.js'
import type { Connection, Integration, IntegrationInput, Store } from '../store/index.js'
import { createApiKeyService } from './api-keys/index.js'
import { encryptionKeyStatus, rotateEncryptionKeys } from './encryption-keys/index.js'
import type { RotateOptions } from './encryption-keys/index.js'
import {
  beginAuthorization,
  allowsAppOrigin,
  beginWithSession,
  completeWithSessions,
  connectWithSession,
  createConnectSession,
  openConnectSession,
  redirectUriOf,
  startConnectSession,
} from './authorization/index.js'
import type {
  AuthorizationStart,
  BeginAuthorizationOptions,
  ConnectSessionOptions,
  FlowBinding,
  SessionAuthorizationResult,
  SessionConnectionInput,
} from './authorization/index.js'
import { capabilityContext, capabilityOf, errorEnvelope, runCapability } from './capabilities/index.js'
import type { Envelope } from './capabilities/index.js'
import { createCatalogCore } from './catalog.js'
import {
  checkIntegrationId,
  createConnection,
  disconnectConnection,
  importConnections,
  pageConnections,
} from './connections/index.js'
import type {
  ConnectionPageQuery,
  CreateConnectionInput,
  DisconnectResult,
  ImportOptions,
  ImportSource,
} from './connections/index.js'
import { createCredentialManager } from './credentials/index.js'
import type { CredentialManagerOptions, RecoveryReport } from './credentials/index.js'
import type { RuntimeDeps } from './deps.js'
import { createEventBus } from './event-bus.js'
import { createEventLog } from './event-log/index.js'
import type { EventLogOptions } from './event-log/index.js'
import type { RuntimeEventListener } from './events.js'
import {
  authorizedFetchFor,
  connectionFetchFor,
  DEFAULT_PROVIDER_TIMEOUT_MS,
  DEFAULT_REPLAY_LIMIT,
  defaultRetryEnvironment,
  fetchTransport,
  forwardRequest,
  undiciTransport,
} from './fetch/index.js'
import type { FetchLike, ForwardRequest, RetryPolicy } from './fetch/index.js'
import type { Patchbay } from './patchbay-types.js'
import { secretValues } from './redact.js'
import { createRefreshScheduler } from './scheduler/index.js'
import { schemeRecordOf } from './schemes/index.js'
import { checkSigninRedirectUris, beginSignIn, completeSignIn, exchangeSignInCode } from './signin/index.js'
import type { BeginSignInOptions } from './signin/index.js'
import { createOperatorSessionService } from './operator-sessions/index.js'
import { createWebhookDispatcher, createWebhookService } from './webhooks/index.js'
import type { WebhookDispatcherOptions } from './webhooks/index.js'
import { unknownIntegration } from './unknown-integration.js'

export interface PatchbayOptions {
  store: Store
  /** Connectors written in code; JSON ones registered through the store are loaded too. */
  connectors?: Connector[]
  /**
   * Provider declarations registered on first use (`loadCatalogue()` gives Patchbay's own);
   * connectors given above or stored replace a catalogue entry of the same id.
   */
  catalogue?: ConnectorCatalogue
  /** Where browsers reach Patchbay, e.g. `https://patchbay.example.com`. */
  publicUrl?: string
  /** Extra origins a connect flow may redirect to when done. */
  allowedRedirectOrigins?: string[]
  /** Refresh this many seconds before expiry (default 300), at most half a token's lifetime. */
  refreshMargin?: number
  /**
   * How refreshes are bounded: the lease (ms, default 15 000), the deadline of provider requests
   * under it (ms, below the lease; default two thirds of it), and the pause after a failure.
   */
  refresh?: Pick<CredentialManagerOptions, 'leaseMs' | 'refreshTimeoutMs' | 'cooldown'>
  /**
   * The network for provider requests. By default the platform's `fetch`, and undici's own API
   * with a keep-alive pool per provider for the proxy (`connection(id).forward`); when given,
   * every provider request goes through it, the proxy's included.
   */
  fetch?: FetchLike
  /** Epoch seconds; for tests. */
  now?: () => number
  onEvent?: RuntimeEventListener
  /**
   * How `connection(id).fetch` and the proxy retry idempotent requests on 429/502/503/504
   * (default: 3 retries within 30 s, full-jitter backoff from 300 ms, `Retry-After` honoured).
   */
  retry?: Partial<RetryPolicy>
  /**
   * Bytes of a streamed request body held in memory so that the request can be replayed after
   * a 401 or a retryable status (default 64 KiB); longer bodies stream through and are not
   * replayed.
   */
  replayLimit?: number
  /**
   * How long a provider has to answer a request (its status and headers) before the call fails
   * with `timeout`, in ms; default 30 000, 0 for none. `PATCHBAY_PROVIDER_TIMEOUT_MS`.
   */
  providerTimeoutMs?: number
  /**
   * Outgoing webhooks: the endpoint from configuration, retries, polling. Every runtime queues
   * its events for the stored endpoints; only `webhooks.start()` sends them.
   */
  webhooks?: Omit<WebhookDispatcherOptions, 'store'>
  /**
   * The bounds of the connection event log (`PATCHBAY_EVENTS_RETENTION_DAYS`, default 30 days;
   * 500 events per connection).
   */
  eventLog?: EventLogOptions
}

export type {
  Patchbay,
  PatchbaySignIn,
  PatchbayConnection,
  PatchbayConnections,
  PatchbayConnectors,
  PatchbayConnectSessions,
  PatchbayIntegrations,
} from './patchbay-types.js'

/**
 * Creates a Patchbay runtime: the library API every shell (CLI, HTTP server) translates to.
 * @example
 * const patchbay = await createPatchbay({ store: openSqliteStore({ path, keyRing }), connectors: [github] })
 * const response = await patchbay.connection('conn_1').fetch('/user')
 */
export async function createPatchbay(options: PatchbayOptions): Promise<Patchbay> {
  const store = options.store
  // The registry, the provider fetch (unreachable and silent providers become `provider_error`
  // and `timeout` on every path) and calls with inline credentials need no store.
  const publicUrl = (options.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '')
  const core = createCatalogCore({
    ...(options.catalogue ? { catalogue: options.catalogue } : {}),
    logoUrl: (id) => `${publicUrl}/connectors/${encodeURIComponent(id)}/logo`,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.providerTimeoutMs === undefined ? {} : { providerTimeoutMs: options.providerTimeoutMs }),
  })
  const { registry, register, baseUrlOf, oidc, now } = core
  const fetchImpl = core.fetch
  const events = createEventBus(options.onEvent ? [options.onEvent] : [])
  const emit = events.emit

  for (const stored of await store.listConnectors()) register(connectorFromJson(stored.definition))
  for (const connector of options.connectors ?? []) register(connector)

  const resolve = async (connection: Connection) => {
    const integration = await store.getIntegration(connection.integrationId)
    if (!integration) {
      throw unknownIntegration(connection.integrationId)
    }
    return { integration, connector: registry.get(integration.connectorId) }
  }

  /** A connection, its integration and connector: one store read when they are cached. */
  const resolveById = async (id: string) => {
    const found = await store.getConnectionWithIntegration(id)
    if (!found) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
    const { connection, integration } = found
    if (!integration) {
      throw unknownIntegration(connection.integrationId)
    }
    return { connection, integration, connector: registry.get(integration.connectorId) }
  }

  const credentials = createCredentialManager({
    store,
    resolve: resolveById,
    baseUrlOf: (connector, settings) => baseUrlOf(connector.id, settings),
    fetch: fetchImpl,
    now,
    refreshMargin: options.refreshMargin ?? 300,
    emit,
    ...options.refresh,
  })
  // Refreshes a crash left unsettled are retried in the background once their leases run out.
  const recovery = new AbortController()
  const recovered = credentials.recoverInterrupted(recovery.signal).catch(() => null)

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
    oidc,
    retry: defaultRetryEnvironment(options.retry),
    replayLimit: options.replayLimit ?? DEFAULT_REPLAY_LIMIT,
    canRenew: (scheme, credentials) => schemeRecordOf(scheme).canRenew(scheme, credentials),
    forward: options.fetch
      ? fetchTransport(fetchImpl)
      : undiciTransport(options.providerTimeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS),
  }

  // The one dispatcher of this runtime: every event is queued for the endpoints that want it.
  const dispatcher = createWebhookDispatcher({ ...options.webhooks, store })
  events.on(dispatcher.handle)
  // The same events, kept for the dashboard and `GET /connections/:id/events`.
  const eventLog = createEventLog({ store, now }, options.eventLog)
  events.on(eventLog.record)
  const operatorSessions = createOperatorSessionService({ store, now })
  const webhooks = createWebhookService({ store, dispatcher, connector: (id) => registry.get(id), now })
  const apiKeys = createApiKeyService({ store, now })

  async function requireConnection(id: string): Promise<Connection> {
    const connection = await store.getConnection(id)
    if (!connection) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
    return connection
  }

  /**
   * A fetch bound to one stored connection, confined to its base URL, with refresh ahead of
   * expiry and on a 401 and retries of idempotent requests on transient failures.
   */
  async function connectionFetch(id: string) {
    const connection = await requireConnection(id)
    const { connector } = await resolve(connection)
    return connectionFetchFor(deps, connector, connection)
  }

  async function callConnector(
    connectorId: string,
    capabilityName: string,
    input: unknown,
    via: { connectionId?: string } = {},
  ): Promise<Envelope> {
    if (!via.connectionId) return core.callInline(connectorId, capabilityName, input)
    const connectionId = via.connectionId
    const raisedIn = `${connectorId}:${capabilityName}`
    let secrets: string[] = []
    try {
      const { input: parsed, connector, capability } = core.prepareCall(connectorId, capabilityName, input)
      const connection = await requireConnection(connectionId)
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
      const ctx = capabilityContext({
        settings: connection.settings,
        credentials: current,
        baseUrl: baseUrlOf(connector.id, connection.settings),
        fetch: authorizedFetchFor(deps, connector, connection),
        page: parsed.page ?? null,
        connectionId: connection.id,
      })
      const result = await runCapability(capability, ctx, parsed.request, connector.errorHandlers)
      return { response: result.response, page: result.page, error: null }
    } catch (error) {
      return errorEnvelope(error, raisedIn, secrets)
    }
  }

  // Started by servers (`scheduler.start()`); a CLI command's runtime never refreshes in the background.
  const scheduler = createRefreshScheduler({
    store,
    refreshAhead: (id, aheadSeconds) => credentials.refreshAhead(id, aheadSeconds),
    async validate(id) {
      const connection = await requireConnection(id)
      const { connector } = await resolve(connection)
      if (!connector.capabilities['validate_credentials']) return null
      return callConnector(connector.id, 'validate_credentials', { request: {} }, { connectionId: id })
    },
    emit,
    nowMs: () => now() * 1000,
  })

  return {
    publicUrl,
    /**
     * The background refresh: `start(options)` in a server process, `status()` for health and
     * metrics, `stop()`; `close()` stops it.
     */
    scheduler,
    /** Subscribes to connection events; returns the unsubscribe function (`events.on`). */
    on: events.on,
    /** Connection events as they happen. */
    events: { on: events.on },
    /** API keys for the HTTP API, stored as digests. */
    apiKeys,
    /** What happened to each connection (bounded), and the refresh activity of the last hours. */
    connectionEvents: {
      page: eventLog.page,
      activity: eventLog.activity,
      prune: eventLog.prune,
      settled: eventLog.settled,
    },
    /** The dashboard's sign-in sessions, stored as digests. */
    operatorSessions,
    /** Outgoing webhook endpoints and their deliveries, and providers' incoming webhooks. */
    webhooks,
    /** OpenID Provider metadata and keys, cached per issuer for the whole runtime. */
    oidc,
    /** Resolves when the store answers; rejects when it cannot (readiness). */
    ping: (): Promise<void> => store.ping(),
    /** Secrets per encryption key, and their rotation to the ring's first key. */
    encryptionKeys: {
      status: async () => encryptionKeyStatus(await store.sealingKeys()),
      rotate: (options?: RotateOptions) => rotateEncryptionKeys(store, options),
    },

    connectors: {
      list: () => registry.list(),
      describe: (filter?: ConnectorFilter) => registry.describe(filter),
      logo: (id: string) => registry.logo(id),
      get: (id: string) => registry.get(id),
      find: (id: string) => registry.find(id),
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
        checkIntegrationId(input.id)
        registry.get(input.connectorId)
        checkSigninRedirectUris(input.signinRedirectUris)
        return store.putIntegration(input)
      },
      get: (id: string) => store.getIntegration(id),
      list: () => store.listIntegrations(),
      delete: (id: string) => store.deleteIntegration(id),
      redirectUri: (integration: Integration) => redirectUriOf(deps, integration),
    },

    connections: {
      create: (input: CreateConnectionInput) => createConnection(deps, input),
      get: (id: string) => store.getConnection(id),
      list: (filter?: { integrationId?: string }) => store.listConnections(filter),
      page: (query?: ConnectionPageQuery) => pageConnections(store, query),
      counts: () => store.countConnections(),
      dueForRefresh: (withinMs: number, limit: number) => store.dueForRefresh(withinMs, limit),
      import: (source: ImportSource, importOptions?: ImportOptions) =>
        importConnections(deps, source, importOptions),
      /**
       * Deletes a connection (revoking its tokens at the provider first when the connector
       * declares a revocation endpoint); false when there was none. {@link disconnect} also
       * reports what the provider said.
       */
      async delete(id: string): Promise<boolean> {
        return (await disconnectConnection(deps, id)).deleted
      },
      /**
       * Revokes a connection's tokens at the provider (RFC 7009) when the connector says where,
       * then deletes it locally even if that failed; the report says what happened.
       */
      disconnect: (id: string): Promise<DisconnectResult> => disconnectConnection(deps, id),
      /** Renews the credentials now, whatever their expiry. */
      async refresh(id: string): Promise<Connection> {
        const connection = await requireConnection(id)
        await credentials.getCredentials(id, { force: true, stale: connection.credentials })
        return requireConnection(id)
      },
    },

    /**
     * The start-up pass that retries refreshes a crash left unsettled (see docs/reliability.md);
     * null when it was stopped by `close()`.
     */
    recoveredRefreshes: (): Promise<RecoveryReport | null> => recovered,

    /** Fresh credentials of a connection: refreshed first when near expiry, one refresh at a time. */
    getCredentials: (id: string) => credentials.getCredentials(id),

    /**
     * A stored connection ready to call its provider: `{connection, integration, connector,
     * credentials}`, the credentials fresh; one read of each when no refresh is due.
     */
    resolveConnection: (id: string) => credentials.resolve(id),

    /** One connection's API: an authenticated fetch and capability calls. */
    connection(id: string) {
      return {
        /**
         * Calls the provider: `path` (with a query) is resolved under the connector's base URL and
         * must stay there (`bad_request` otherwise); credentials are applied, refreshed once on a
         * 401; idempotent requests are retried on 429/502/503/504 honouring `Retry-After`.
         */
        fetch: async (path: string, init?: RequestInit) => (await connectionFetch(id))(path, init),
        /**
         * Forwards a request received by a proxy (Node streams, no fetch): what `fetch` does,
         * with the connection read once and the provider reached over a keep-alive pool.
         */
        forward: (request: ForwardRequest) => forwardRequest(deps, id, request),
        async call(capability: string, input: { request: JsonValue; page?: JsonObject | null }) {
          const connection = await requireConnection(id)
          const { connector } = await resolve(connection)
          return callConnector(connector.id, capability, input, { connectionId: id })
        },
        async requireCapability(capability: string) {
          const { connector } = await resolve(await requireConnection(id))
          capabilityOf(connector, capability)
        },
      }
    },

    /** Calls a capability with inline `{auth, settings, request, page}` or a stored connection. */
    call: callConnector,

    beginAuthorization: (integrationId: string, opts?: BeginAuthorizationOptions): Promise<AuthorizationStart> =>
      beginAuthorization(deps, integrationId, opts),
    /**
     * Completes a flow from its callback parameters; `binding` is what its start handed out
     * (`AuthorizationStart.binding`), without which the callback is refused (`state_mismatch`).
     */
    completeAuthorization: (
      integrationId: string,
      params: URLSearchParams,
      binding?: FlowBinding,
    ): Promise<SessionAuthorizationResult> =>
      completeWithSessions(deps, integrationId, params, binding),

    signIn: {
      begin: (integrationId: string, opts: BeginSignInOptions) => beginSignIn(deps, integrationId, opts),
      complete: (integrationId: string, params: URLSearchParams, binding?: FlowBinding) =>
        completeSignIn(deps, integrationId, params, binding),
      exchange: (code: string) => exchangeSignInCode(deps, code),
    },

    connectSessions: {
      /**
       * A short-lived token that lets a browser connect an account without the API key: one
       * integration (a string) gets its direct OAuth start URL, a list gets the Connect page.
       */
      create: (integrations: string | readonly string[], opts: ConnectSessionOptions = {}) =>
        createConnectSession(deps, integrations, opts),
      /** Spends a connect session on starting its flow. */
      start: (integrationId: string, token: string): Promise<AuthorizationStart> =>
        startConnectSession(deps, integrationId, token),
      /** A live session and its integrations, for the Connect page (does not spend it). */
      open: (token: string) => openConnectSession(deps, token),
      /** Connects from a Connect page form; spends the session once a connection is made. */
      connect: (token: string, input: SessionConnectionInput) => connectWithSession(deps, token, input),
      /** Starts an OAuth flow for the Connect page; the callback spends the session. */
      begin: (token: string, integrationId: string, settings?: JsonObject) =>
        beginWithSession(deps, token, integrationId, settings),
      /** Whether an application page of `origin` may open or frame the Connect page and hear its result. */
      allowsOrigin: (origin: string) => allowsAppOrigin(deps, origin),
    },

    /**
     * Stops the start-up refresh recovery, finishes queueing outgoing webhooks, stops their
     * worker, closes the proxy's idle provider connections, then closes the store.
     */
    async close(): Promise<void> {
      await scheduler.stop()
      recovery.abort()
      await recovered
      await dispatcher.close()
      await eventLog.settled()
      await deps.forward.close()
      await store.close()
    },
  }
}

