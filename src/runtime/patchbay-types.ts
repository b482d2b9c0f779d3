import type { JsonValue } from '../errors.js'
import type { Connector, ConnectorFilter, JsonObject } from '../kit/index.js'
import type {
  Connection,
  ConnectionCount,
  ConnectionPage,
  DueConnection,
  Integration,
  IntegrationInput,
} from '../store/index.js'
import type { ApiKeyService } from './api-keys/index.js'
import type {
  AuthorizationStart,
  BeginAuthorizationOptions,
  ConnectSessionOptions,
  CreatedConnectSession,
  FlowBinding,
  OpenConnectSession,
  SessionAuthorizationResult,
  SessionConnectionInput,
} from './authorization/index.js'
import type { Envelope } from './capabilities/index.js'
import type {
  EncryptionKeyStatus,
  RotateOptions,
  RotationReport,
} from './encryption-keys/index.js'
import type {
  ConnectionPageQuery,
  CreateConnectionInput,
  DisconnectResult,
  ImportOptions,
  ImportReport,
  ImportSource,
} from './connections/index.js'
import type { RecoveryReport, ResolvedConnection } from './credentials/index.js'
import type { EventService } from './event-bus.js'
import type { ConnectionEventService } from './event-log/index.js'
import type { OperatorSessionService } from './operator-sessions/index.js'
import type { ForwardRequest, ForwardResponse } from './fetch/index.js'
import type { RuntimeEventListener } from './events.js'
import type { OidcDiscovery } from './oidc/index.js'
import type { BeginSignInOptions, SignInCompletion, SignInResult } from './signin/index.js'
import type { RefreshScheduler } from './scheduler/index.js'
import type { WebhookService } from './webhooks/index.js'

/** Connectors this runtime knows: built in, loaded from files, or registered at run time. */
export interface PatchbayConnectors {
  /** Every connector, catalogue ones included (each parsed on the way, once). */
  list(): Connector[]
  /**
   * What `info` publishes about every connector the filter keeps, sorted by id; catalogue
   * providers not used yet are described from the compiled catalogue without being parsed.
   */
  describe(filter?: ConnectorFilter): JsonObject[]
  /** The SVG logo of a catalogue provider (`GET /connectors/:id/logo`), or undefined. */
  logo(id: string): string | undefined
  /** @throws PatchbayError `not_found` */
  get(id: string): Connector
  /** The connector registered under `id`, or undefined. */
  find(id: string): Connector | undefined
  /** Registers a connector written in code (not persisted). */
  register(connector: Connector): void
  /** Validates and stores a JSON connector, then registers it. */
  put(id: string, json: unknown): Promise<Connector>
}

/** Installed connectors with the app credentials the host holds for them. */
export interface PatchbayIntegrations {
  put(input: IntegrationInput): Promise<Integration>
  get(id: string): Promise<Integration | null>
  list(): Promise<Integration[]>
  delete(id: string): Promise<boolean>
  /** The redirect URI to register with the provider: the integration's own, or Patchbay's callback. */
  redirectUri(integration: Integration): string
}

/** Tenants' authorized accounts. */
export interface PatchbayConnections {
  create(input: CreateConnectionInput): Promise<Connection>
  get(id: string): Promise<Connection | null>
  /**
   * Every connection (of one integration) with its credentials decrypted: the whole table at
   * once. Views use {@link page}.
   */
  list(filter?: { integrationId?: string }): Promise<Connection[]>
  /**
   * One page of connections without credentials (none decrypted), oldest first, filtered by
   * integration and status; `nextCursor` leads to the next page, null after the last.
   * @throws PatchbayError `bad_request` for a limit outside 1–1000, an unknown status or cursor
   */
  page(query?: ConnectionPageQuery): Promise<ConnectionPage>
  /** How many connections each integration has, per status (one grouped count, nothing decrypted). */
  counts(): Promise<ConnectionCount[]>
  /**
   * Connections that may be renewed whose credentials expire within `withinMs` (or have
   * expired), soonest first, at most `limit`: read from the expiry index, nothing decrypted.
   */
  dueForRefresh(withinMs: number, limit: number): Promise<DueConnection[]>
  /**
   * Imports connections whose credentials the caller holds (a move from another broker): every
   * record is checked before anything is written, then they are written in transactions of
   * `batchSize` (1000). The source is read twice.
   * @throws PatchbayError `bad_request` listing bad records by line and field; nothing written
   */
  import(source: ImportSource, options?: ImportOptions): Promise<ImportReport>
  /**
   * Deletes a connection (revoking its tokens at the provider first when the connector
   * declares a revocation endpoint); false when there was none. `disconnect` also reports what
   * the provider said.
   */
  delete(id: string): Promise<boolean>
  /**
   * Revokes a connection's tokens at the provider (RFC 7009) when the connector says where,
   * then deletes it locally even if that failed; the report says what happened.
   */
  disconnect(id: string): Promise<DisconnectResult>
  /** Renews the credentials now, whatever their expiry. */
  refresh(id: string): Promise<Connection>
}

/** One connection's API: an authenticated fetch and capability calls. */
export interface PatchbayConnection {
  /**
   * Calls the provider: `path` (with a query) is resolved under the connector's base URL and
   * must stay there (`bad_request` otherwise); credentials are applied, refreshed once on a
   * 401; idempotent requests are retried on 429/502/503/504 honouring `Retry-After`.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>
  /**
   * What {@link fetch} does, for a proxy holding Node streams: the request's target, headers and
   * body (bytes or a stream read once) go to the provider with the connection's credentials,
   * and the answer comes back with its status, headers (hop-by-hop ones included) and body as a
   * stream, not decoded. The connection is read once; the provider is reached over a keep-alive
   * pool per origin (undici), unless the runtime was given its own `fetch`.
   * @throws PatchbayError `not_found`, `bad_request`, `needs_reauth`, `provider_error`, `timeout`
   * @example
   * const answer = await patchbay.connection(id).forward({ method: 'GET', target: '/user', headers: {}, body: null })
   * answer.body.pipe(res)
   */
  forward(request: ForwardRequest): Promise<ForwardResponse>
  call(capability: string, input: { request: JsonValue; page?: JsonObject | null }): Promise<Envelope>
  /**
   * Checks that the connection's connector has a capability, so a shell can name an unknown one
   * before complaining about the input meant for it.
   * @throws PatchbayError `not_found` (connection), `not_implemented` listing the capabilities
   */
  requireCapability(capability: string): Promise<void>
}

/** Short-lived tokens that let a browser connect an account without the API key. */
export interface PatchbayConnectSessions {
  /** One integration (a string) gets its direct OAuth start URL, a list gets the Connect page. */
  create(
    integrations: string | readonly string[],
    options?: ConnectSessionOptions,
  ): Promise<CreatedConnectSession>
  /** Spends a connect session on starting its flow. */
  start(integrationId: string, token: string): Promise<AuthorizationStart>
  /** A live session and its integrations, for the Connect page (does not spend it). */
  open(token: string): Promise<OpenConnectSession>
  /** Connects from a Connect page form; spends the session once a connection is made. */
  connect(token: string, input: SessionConnectionInput): Promise<Connection>
  /** Starts an OAuth flow for the Connect page; the callback spends the session. */
  begin(token: string, integrationId: string, settings?: JsonObject): Promise<AuthorizationStart>
  /**
   * Whether an application page of `origin` may open or frame the Connect page and hear its
   * result: Patchbay's own origin and the redirect allow-list (`PATCHBAY_REDIRECT_ORIGINS`).
   */
  allowsOrigin(origin: string): boolean
}

/**
 * The connectors without a store (`createConnectorCatalog`): what `info` and a call with inline
 * credentials need, so neither opens a database.
 */
export interface ConnectorCatalog {
  connectors: Pick<PatchbayConnectors, 'list' | 'describe' | 'logo' | 'get' | 'find' | 'register'>
  /** Calls a capability with inline `{auth, settings, request, page}`. */
  call(connectorId: string, capabilityName: string, input: unknown): Promise<Envelope>
}

/**
 * Social sign-in (Logto's social connectors): a flow that ends at the application's page with a
 * short-lived, single-use code, which the application's server exchanges for the user's
 * normalized profile. Nothing long-lived is stored unless a connection is asked for.
 */
export interface PatchbaySignIn {
  /** Starts a sign-in; `redirectUri` must be one of the integration's sign-in redirect URIs. */
  begin(integrationId: string, options: BeginSignInOptions): Promise<AuthorizationStart>
  /** Finishes it from the provider's callback; the answer says where to send the browser. */
  complete(integrationId: string, params: URLSearchParams, binding?: FlowBinding): Promise<SignInCompletion>
  /** Trades a result code for the profile, once (`auth_code_invalid` otherwise). */
  exchange(code: string): Promise<SignInResult>
}

/** The runtime's public object: the library API every shell translates to. */
export interface Patchbay {
  publicUrl: string
  /** Subscribes to connection events; returns the unsubscribe function. */
  on(listener: RuntimeEventListener): () => void
  events: EventService
  /** API keys: issued (shown once), listed, revoked, found by value. */
  apiKeys: ApiKeyService
  /**
   * The connection event log written from the events above (created, refreshed, refresh
   * failed, needs re-auth…), bounded by age and per connection; never holds a secret.
   */
  connectionEvents: ConnectionEventService
  /** The operator dashboard's sign-in sessions (tokens stored as digests). */
  operatorSessions: OperatorSessionService
  /** Outgoing webhook endpoints and deliveries, and incoming provider webhooks. */
  webhooks: WebhookService
  /** OpenID Provider metadata and keys, cached per issuer. */
  oidc: OidcDiscovery
  /** Resolves when the store answers. */
  ping(): Promise<void>
  /**
   * The background refresh (docs/deploying.md): a server calls `start(options)`; connections
   * due within the window are refreshed ahead of requests, of several instances by one each, and
   * credentials that do not expire are checked on a schedule. `status()` feeds `/health` and
   * `/metrics`; `close()` stops it.
   */
  scheduler: RefreshScheduler
  /**
   * The encryption keys sealing stored secrets (`patchbay encryption-keys`): `status()` counts
   * the secrets per key; `rotate(options)` seals them all again with the first key of the ring,
   * in batches, while servers run, and says when the older keys can leave it.
   */
  encryptionKeys: EncryptionKeyService
  connectors: PatchbayConnectors
  integrations: PatchbayIntegrations
  connections: PatchbayConnections
  /** Fresh credentials of a connection: refreshed first when near expiry, one refresh at a time. */
  getCredentials(id: string): Promise<JsonObject>
  /**
   * A stored connection ready to call its provider, resolved in one go: `{connection,
   * integration, connector, credentials}`, where `credentials` are fresh (refreshed first when
   * near expiry, as {@link getCredentials}) and `connection.credentials` is the same object. A
   * fresh connection costs one read of the connection and one of its integration.
   * @throws PatchbayError `not_found` (connection or integration), `needs_reauth`,
   *   `invalid_config`, or the provider's error when a refresh fails
   * @example
   * const { connection, connector, credentials } = await patchbay.resolveConnection('conn_1')
   */
  resolveConnection(id: string): Promise<ResolvedConnection>
  /**
   * The start-up pass that retries refreshes a crash left unsettled (docs/reliability.md); null
   * when `close()` stopped it.
   */
  recoveredRefreshes(): Promise<RecoveryReport | null>
  connection(id: string): PatchbayConnection
  /** Calls a capability with inline `{auth, settings, request, page}` or a stored connection. */
  call(
    connectorId: string,
    capabilityName: string,
    input: unknown,
    via?: { connectionId?: string },
  ): Promise<Envelope>
  beginAuthorization(integrationId: string, options?: BeginAuthorizationOptions): Promise<AuthorizationStart>
  /**
   * Completes a flow from its callback parameters; `binding` is what its start handed out
   * (`AuthorizationStart.binding`), without which the callback is refused (`state_mismatch`).
   */
  completeAuthorization(
    integrationId: string,
    params: URLSearchParams,
    binding?: FlowBinding,
  ): Promise<SessionAuthorizationResult>
  connectSessions: PatchbayConnectSessions
  signIn: PatchbaySignIn
  close(): Promise<void>
}

/** `patchbay.encryptionKeys`: the keys sealing stored secrets, and their online rotation. */
export interface EncryptionKeyService {
  /** The ring's keys with how many secrets each seals (read from a counting table). */
  status(): Promise<EncryptionKeyStatus>
  /** Seals every secret again with the ring's first key; see `rotateEncryptionKeys`. */
  rotate(options?: RotateOptions): Promise<RotationReport>
}
