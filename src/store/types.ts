import type { JsonValue } from '../errors.js'

export type ConnectionStatus = 'active' | 'needs_reauth' | 'error'

/** A connector registered at run time as a JSON definition (`PUT /connectors/:id`). */
export interface StoredConnector {
  id: string
  definition: { [key: string]: JsonValue }
  createdAt: number
  updatedAt: number
}

/** An installed connector plus the app credentials the host holds for it. */
export interface Integration {
  id: string
  connectorId: string
  clientId: string | null
  /** Plaintext only in memory; sealed in the database. */
  clientSecret: string | null
  scopes: string[] | null
  redirectUri: string | null
  /**
   * The application pages a sign-in flow may send its result to, compared exactly; null (or
   * empty) when the integration signs no one in.
   */
  signinRedirectUris: string[] | null
  /** The key that signs the provider's webhooks to this integration; sealed in the database. */
  webhookSecret: string | null
  createdAt: number
  updatedAt: number
  /**
   * Set only in lists, on an integration whose sealed secrets did not open (damaged, or sealed
   * by a key that is not configured): its secrets are then null, and this says why and which
   * were stored, so one bad row never breaks a list (#8).
   */
  secretsUnreadable?: { reason: string; clientSecretStored: boolean; webhookSecretStored: boolean }
}

export interface IntegrationInput {
  id: string
  connectorId: string
  clientId?: string | null
  clientSecret?: string | null
  scopes?: string[] | null
  redirectUri?: string | null
  /** The application pages a sign-in flow may return to; left out or null: none. */
  signinRedirectUris?: string[] | null
  /** Left out (undefined), the stored webhook secret is kept; null removes it. */
  webhookSecret?: string | null
}

/** One tenant's authorized account on an integration. Credentials are a JSON object, sealed at rest. */
export interface Connection {
  id: string
  integrationId: string
  settings: { [key: string]: JsonValue }
  credentials: { [key: string]: JsonValue }
  accountName: string | null
  status: ConnectionStatus
  /** Epoch seconds when the current credentials expire, or null when they do not. */
  expiresAt: number | null
  lastError: string | null
  createdBy: string | null
  createdAt: number
  updatedAt: number
  /**
   * Set when the stored credentials cannot be decrypted (a damaged value, or a key that is not
   * configured): `credentials` is then empty, `status` is `error`, and using the connection
   * fails with this code and reason. Connecting the account again replaces the credentials.
   */
  credentialsUnreadable?: { code: 'invalid_config' | 'needs_reauth'; reason: string }
  /**
   * Epoch seconds when the current credentials were issued, so `expiresAt - issuedAt` is their
   * lifetime; null when unknown.
   */
  issuedAt: number | null
  /** A refresh sent to the provider whose result is not recorded yet (a crash, a timeout). */
  refreshAttempt: RefreshAttemptRecord | null
}

/**
 * A refresh request recorded before it was sent (issue 8 item 8). It is cleared in the same
 * write that stores the refresh's result, so one still present after its lease ended means the
 * holder died or lost track between sending the request and storing the answer.
 */
export interface RefreshAttemptRecord {
  id: string
  /** Epoch milliseconds when it was sent. */
  startedAt: number
  /** SHA-256 (hex) of the refresh token it presented, to tell whether it is still the stored one. */
  tokenDigest: string | null
}

/** What a refresh's final write is conditional on. */
export interface RefreshFence {
  holder: string
  attemptId: string | null
}

/** A connection's unsettled refresh attempt, with the lease it was sent under. */
export interface PendingRefreshAttempt extends RefreshAttemptRecord {
  connectionId: string
  /** The lease's holder and end (epoch ms) when one is still recorded, else null. */
  leaseHolder: string | null
  leaseUntil: number | null
}

export interface ConnectionInput {
  id: string
  integrationId: string
  settings: { [key: string]: JsonValue }
  credentials: { [key: string]: JsonValue }
  accountName?: string | null
  status?: ConnectionStatus
  expiresAt?: number | null
  createdBy?: string | null
  /** When the credentials were issued (epoch seconds); defaults to now. */
  issuedAt?: number | null
  /**
   * Whether the credentials can be renewed without the user (the runtime's scheme record says);
   * {@link ConnectionStore.dueForRefresh} leaves out those that cannot. Null or left out: unknown,
   * and such a connection is listed as due.
   */
  renewable?: boolean | null
}

export interface ConnectionPatch {
  settings?: { [key: string]: JsonValue }
  credentials?: { [key: string]: JsonValue }
  accountName?: string | null
  status?: ConnectionStatus
  expiresAt?: number | null
  lastError?: string | null
  issuedAt?: number | null
  /**
   * See {@link ConnectionInput.renewable}. A patch of `credentials` that leaves it out makes it
   * unknown (null), since the new credentials may renew differently.
   */
  renewable?: boolean | null
}

/**
 * A connection as lists show it, read from plaintext columns only: its credentials are never
 * decrypted for a list. A connection whose sealed credentials name a key the ring lacks, or are
 * not a sealed value at all, is shown as `error` with the reason (read from the value's header,
 * not by decrypting it); damage found only by decrypting is shown once a use has found it.
 */
export type ConnectionSummary = Omit<Connection, 'credentials' | 'refreshAttempt' | 'credentialsUnreadable'>

/** What {@link ConnectionStore.pageConnections} lists: a filter, a page size and a position. */
export interface ConnectionQuery {
  integrationId?: string
  status?: ConnectionStatus
  /** How many connections at most (1 to `MAX_PAGE_SIZE`, 1000). */
  limit: number
  /** The `nextCursor` of the previous page; left out or null, the first page. */
  cursor?: string | null
}

/** One page of connections, oldest first (creation time, then id). */
export interface ConnectionPage {
  connections: ConnectionSummary[]
  /** Where the next page starts; null when this page is the last. Opaque to callers. */
  nextCursor: string | null
}

/** A connection due for a refresh, as {@link ConnectionStore.dueForRefresh} finds it. */
export interface DueConnection {
  id: string
  /** Epoch seconds. */
  expiresAt: number
}

/**
 * The server-side record of an authorization in progress. `data` holds the PKCE verifier and
 * anything else the callback needs; it is sealed at rest. Looked up by the `state` value.
 */
export interface AuthSession {
  state: string
  integrationId: string
  connectionId: string | null
  redirect: string | null
  data: { [key: string]: JsonValue }
  expiresAt: number
}

/** A short-lived bearer token a browser uses to start one connect flow. Stored hashed. */
export interface ConnectSession {
  token: string
  /** The first (or only) integration the session may connect. */
  integrationId: string
  /**
   * Every integration the session may connect (the Connect page lists them), `integrationId`
   * among them; absent means `integrationId` alone.
   */
  integrationIds?: string[]
  connectionId: string | null
  redirect: string | null
  endUser: string | null
  expiresAt: number
  /** The API caller that created the session (`key:<id>`, `env` or a JWT subject), if known. */
  createdBy?: string | null
}

/**
 * An API key stored by the SHA-256 of its value; the value itself is shown once at creation
 * and never stored. Revoked keys are kept, with `revokedAt`, for the record.
 */
export interface ApiKey {
  /** `key_<random>`; callers using the key are recorded as `key:<id>`. */
  id: string
  name: string | null
  createdBy: string | null
  createdAt: number
  lastUsedAt: number | null
  revokedAt: number | null
}

export interface ApiKeyInput {
  id: string
  name?: string | null
  /** Hex SHA-256 of the key's value. */
  keyHash: string
  createdBy?: string | null
}

/** Where outgoing event webhooks go. The secret (`whsec_…`) is sealed at rest. */
export interface WebhookEndpoint {
  id: string
  url: string
  secret: string
  /** The event types sent to it; null for every type. */
  events: string[] | null
  createdBy: string | null
  createdAt: number
}

export interface WebhookEndpointInput {
  id: string
  url: string
  secret: string
  events?: string[] | null
  createdBy?: string | null
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed'

/** One message to one endpoint, kept until delivered or given up, so a crash loses nothing. */
export interface WebhookDelivery {
  /** The `webhook-id`: the same on every attempt. */
  id: string
  /** A stored endpoint's id, or `env` for the one configured by environment. */
  endpointId: string
  eventType: string
  /** The exact body sent on every attempt. */
  payload: string
  status: WebhookDeliveryStatus
  attempts: number
  /** Epoch milliseconds when it is next due (while pending, or claimed by a worker). */
  nextAttemptAt: number
  /** The HTTP status of the last attempt, null when it got no answer. */
  lastStatus: number | null
  lastError: string | null
  createdAt: number
  updatedAt: number
}

export interface WebhookDeliveryInput {
  id: string
  endpointId: string
  eventType: string
  payload: string
  /** Epoch milliseconds. */
  nextAttemptAt: number
}

/** The outcome of one delivery attempt. */
export interface WebhookAttempt {
  status: WebhookDeliveryStatus
  attempts: number
  nextAttemptAt: number
  lastStatus: number | null
  lastError: string | null
}

/** A key of the store's ring, as {@link EncryptionKeyStore.sealingKeys} describes it. */
export interface RingKey {
  /** The key's fingerprint. */
  keyId: string
  /** Its label in `PATCHBAY_ENCRYPTION_KEY` (`new`, `old`; `k1` for a lone key), when it has one. */
  label: string | null
}

/** How many stored values one key seals. */
export interface SealingKeyUse {
  /** The key's fingerprint, or for a value sealed before fingerprints (`pb1`) its label. */
  keyId: string
  /** `pb1` when the value names its key by a label from before fingerprints. */
  format: 'pb1' | 'pb2'
  /** How many sealed values name this key. */
  values: number
}

/** The store's key ring and what each key seals; no key material, no value. */
export interface SealingKeys {
  /** The fingerprint of the key that seals new values. */
  primaryKeyId: string
  /** Every key of the ring, primary first. */
  ring: RingKey[]
  /** The keys stored values name, with their counts (kept by triggers: nothing is scanned). */
  uses: SealingKeyUse[]
}

/**
 * Where a scan of sealed values stands: the index of the sealed column in the store's list and
 * the last row key passed. Opaque to callers; handed back to {@link EncryptionKeyStore.readResealBatch}.
 */
export interface ResealCursor {
  column: number
  after: string | null
}

/**
 * One sealed value read for resealing: where it is, the value as read (the write is conditional
 * on it), and the same plaintext sealed again with the primary key. No plaintext.
 */
export interface ResealItem {
  /** `<table>:<row key>:<column>`, as reports name a value. */
  place: string
  column: number
  rowKey: string
  sealed: string
  resealed: string
}

/** A batch of values not sealed with the primary key, from {@link EncryptionKeyStore.readResealBatch}. */
export interface ResealBatch {
  items: ResealItem[]
  /** Places whose value did not open (damaged, or sealed for another row); left as they are. */
  unreadable: string[]
  /** Where the next batch starts, or null once every sealed column has been scanned. */
  next: ResealCursor | null
}

/** What {@link EncryptionKeyStore.writeResealBatch} did. */
export interface ResealWrite {
  /** Values now sealed with the primary key by this batch. */
  resealed: number
  /**
   * Values another writer changed between the read and the write (a refresh, a reconnection):
   * never overwritten with what was read, but read again under the batch's lock and resealed
   * from there, or left when the other writer had already sealed them with the primary key or
   * deleted them.
   */
  retried: number
  /** Places whose value, read again, did not open. */
  unreadable: string[]
}

/**
 * Sealing keys and online rotation (`patchbay encryption-keys`). A rotation reads batches of
 * values not sealed with the primary key and writes each batch back in one transaction, every
 * write conditional on the value read, so it runs beside servers writing the same rows and a
 * crash between batches leaves each value sealed by one key of the ring or the other.
 */
export interface EncryptionKeyStore {
  /** The ring's keys and how many values each key seals. */
  sealingKeys(): Promise<SealingKeys>
  /**
   * Reads up to `limit` values not sealed with the primary key, from `from` (null: the start),
   * in a fixed order, and seals each again in memory. Values that do not open are named in
   * `unreadable` (and count toward `limit`) and are passed over, so a scan always ends.
   */
  readResealBatch(from: ResealCursor | null, limit: number): Promise<ResealBatch>
  /**
   * Writes a batch read by {@link readResealBatch} in one transaction. Each value is written only
   * where the row still holds the value read; a row changed since is read again under the
   * transaction's lock and resealed from its current value (see {@link ResealWrite.retried}).
   */
  writeResealBatch(items: readonly ResealItem[]): Promise<ResealWrite>
}

/** JSON connectors registered at run time (`PUT /connectors/:id`). */
export interface ConnectorStore {
  putConnector(id: string, definition: { [key: string]: JsonValue }): Promise<StoredConnector>
  getConnector(id: string): Promise<StoredConnector | null>
  listConnectors(): Promise<StoredConnector[]>
  deleteConnector(id: string): Promise<boolean>
}

/** Integrations: installed connectors with the host's app credentials (sealed). */
export interface IntegrationStore {
  putIntegration(input: IntegrationInput): Promise<Integration>
  getIntegration(id: string): Promise<Integration | null>
  listIntegrations(): Promise<Integration[]>
  deleteIntegration(id: string): Promise<boolean>
}

/** Connections: one tenant's account on an integration, credentials sealed. */
export interface ConnectionStore {
  /** Inserts, or replaces the connection with the same id (re-authorization). */
  saveConnection(input: ConnectionInput): Promise<Connection>
  getConnection(id: string): Promise<Connection | null>
  /**
   * A connection and its integration in one read (the hot path of every use of a connection);
   * null when the connection does not exist. `integration` is null only if it is missing.
   */
  getConnectionWithIntegration(
    id: string,
  ): Promise<{ connection: Connection; integration: Integration | null } | null>
  /**
   * Every connection (of one integration), each one's credentials decrypted. Reads the whole
   * table: lists shown to people use {@link pageConnections}.
   */
  listConnections(filter?: { integrationId?: string }): Promise<Connection[]>
  /**
   * One page of connections without their credentials (nothing is decrypted), oldest first by
   * creation time then id, through an index. Walking pages by `nextCursor` sees every connection
   * that existed when the walk began exactly once, whatever is inserted meanwhile.
   * @throws PatchbayError `bad_request` for a cursor this store did not make
   */
  pageConnections(query: ConnectionQuery): Promise<ConnectionPage>
  /**
   * Connections whose credentials expire within `withinMs` of `now` (epoch ms, the store's clock
   * by default) or have expired, that may be renewed (not known to be unrenewable, not
   * `needs_reauth`): at most `limit`, soonest first, through the expiry index, nothing decrypted.
   */
  dueForRefresh(withinMs: number, limit: number, now?: number): Promise<DueConnection[]>
  /**
   * Saves many connections, each as {@link saveConnection} would (a connection with the same id
   * is replaced), all or none in one transaction.
   * @throws PatchbayError `bad_request` naming the first connection whose integration does not
   *   exist, or whose id belongs to a connection of another integration; nothing is written then
   */
  saveConnections(inputs: readonly ConnectionInput[]): Promise<number>
  /** The integration of each of these connection ids that exists (no credential is read). */
  integrationsOfConnections(ids: readonly string[]): Promise<Map<string, string>>
  updateConnection(id: string, patch: ConnectionPatch): Promise<Connection | null>
  deleteConnection(id: string): Promise<boolean>
}

/**
 * The lease that serializes a connection's refreshes across processes, and the journal of the
 * refresh sent under it (see docs/reliability.md).
 */
export interface RefreshLeaseStore {
  /**
   * Takes the refresh lease of a connection for `ttlMs`, across every process sharing the store.
   * Returns false while another holder's lease is live.
   */
  acquireRefreshLease(
    connectionId: string,
    holder: string,
    ttlMs: number,
    /** The caller's clock, epoch milliseconds; defaults to the store's. */
    now?: number,
  ): Promise<boolean>
  releaseRefreshLease(connectionId: string, holder: string): Promise<void>
  /**
   * Records a refresh about to be sent, only while `holder` holds the lease (compare-and-set on
   * the holder); false when it does not.
   */
  recordRefreshAttempt(connectionId: string, holder: string, attempt: RefreshAttemptRecord): Promise<boolean>
  /**
   * Stores a refresh's result and clears the recorded attempt, in one write and only while
   * `fence.holder` still holds the lease and `fence.attemptId` is still the recorded attempt (null:
   * none), as a fencing token would; null when either changed (the lease was lost, the connection
   * re-authorized or deleted), and then nothing is written.
   */
  settleRefresh(connectionId: string, fence: RefreshFence, patch: ConnectionPatch): Promise<Connection | null>
  /** Every connection's unsettled refresh attempt, oldest first. */
  listRefreshAttempts(): Promise<PendingRefreshAttempt[]>
}

/**
 * The background refresh scheduler's work list: due connections claimed so that, of every
 * scheduler sharing the store, exactly one takes each (docs/deploying.md, "Background refresh").
 * A claim is a time, not a lock held open: a scheduler that dies leaves it to run out.
 */
export interface RefreshScheduleStore {
  /**
   * Claims up to `limit` of the connections {@link ConnectionStore.dueForRefresh} would answer
   * (through the same expiry index, soonest first) that are past half their credentials'
   * lifetime (as the runtime caps its margin) and whose earlier claim, if any, has run out at
   * `now` (epoch ms, the store's clock by default), and marks them claimed until `now + claimMs`.
   * Concurrent calls never return the same connection (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimDueForRefresh(withinMs: number, limit: number, claimMs: number, now?: number): Promise<DueConnection[]>
  /** How many connections {@link claimDueForRefresh} would find due, claimed or not, counted up to `cap`. */
  countDueForRefresh(withinMs: number, cap: number, now?: number): Promise<number>
  /**
   * Claims up to `limit` active connections whose credentials do not expire and were last
   * checked `intervalMs` or more before `now` (or never), longest unchecked first, recording `now`
   * as their check time (`lastCheckedAt`): the claim and the record are one write.
   */
  claimDueForCheck(intervalMs: number, limit: number, now?: number): Promise<string[]>
  /** When the scheduler last checked a connection's non-expiring credentials (epoch s), null: never. */
  lastCheckedAt(connectionId: string): Promise<number | null>
}

/** Auth sessions (a flow in progress) and connect sessions (a browser's ticket to connect). */
export interface SessionStore {
  createAuthSession(session: AuthSession): Promise<void>
  /** Returns the session and deletes it in one step, so a state is usable once; null if unknown or expired. */
  takeAuthSession(state: string, now: number): Promise<AuthSession | null>

  createConnectSession(session: ConnectSession): Promise<void>
  /** Returns the connect session if known and unexpired (it is not consumed). */
  getConnectSession(token: string, now: number): Promise<ConnectSession | null>
  /** Marks the connect session used; returns false if it was already used or is unknown/expired. */
  consumeConnectSession(token: string, now: number): Promise<boolean>
}

/** API keys, kept as digests of their values. */
export interface ApiKeyStore {
  createApiKey(input: ApiKeyInput): Promise<ApiKey>
  /** Every key, revoked ones included, oldest first. */
  listApiKeys(): Promise<ApiKey[]>
  /** The key with this value digest, revoked or not; null if none. */
  findApiKeyByHash(keyHash: string): Promise<ApiKey | null>
  /** Records a use of the key at `now` (epoch seconds). */
  touchApiKey(id: string, now: number): Promise<void>
  /** Revokes a key at `now` (the first revocation time is kept); null if unknown. */
  revokeApiKey(id: string, now: number): Promise<ApiKey | null>
}

/** Outgoing webhook endpoints (secrets sealed) and their delivery queue. */
export interface WebhookStore {
  createWebhookEndpoint(input: WebhookEndpointInput): Promise<WebhookEndpoint>
  getWebhookEndpoint(id: string): Promise<WebhookEndpoint | null>
  /** Oldest first. */
  listWebhookEndpoints(): Promise<WebhookEndpoint[]>
  /** Deletes the endpoint and its pending deliveries; false if unknown. */
  deleteWebhookEndpoint(id: string): Promise<boolean>
  /** Queues deliveries, all or none. */
  enqueueWebhookDeliveries(deliveries: readonly WebhookDeliveryInput[]): Promise<void>
  /**
   * Takes up to `limit` pending deliveries due at `now` (epoch ms), oldest due first, and moves
   * their next attempt `leaseMs` ahead, so no other worker takes them meanwhile and a crashed
   * worker's deliveries come due again. Also forgets finished deliveries older than a week.
   */
  claimWebhookDeliveries(options: { now: number; leaseMs: number; limit: number }): Promise<WebhookDelivery[]>
  recordWebhookAttempt(id: string, attempt: WebhookAttempt): Promise<void>
  /** Oldest first. */
  listWebhookDeliveries(filter?: {
    endpointId?: string
    status?: WebhookDeliveryStatus
  }): Promise<WebhookDelivery[]>
  /**
   * Remembers an incoming webhook's id (its SHA-256 digest, per integration) until `expiresAt`
   * (epoch seconds), forgetting expired ones first. True when the id was new; false when it was
   * already remembered, which is a replay. Atomic: of two concurrent calls, one gets false.
   */
  rememberIncomingWebhook(input: {
    integrationId: string
    webhookId: string
    expiresAt: number
    now: number
  }): Promise<boolean>
}

/** What happened to a connection, as the event log keeps it (never a secret). */
export interface ConnectionEvent {
  /** Increases with every event written; the order of events and the cursor of their pages. */
  id: number
  connectionId: string
  /** The connection's integration when the event named it, or null. */
  integrationId: string | null
  /** The runtime event's type: `connection.created`, `connection.refreshed`, `refresh.failed`… */
  type: string
  /** Why, for a failure or a needs-reauth (the runtime's reason, already free of secrets). */
  reason: string | null
  /** Epoch seconds. */
  createdAt: number
}

export type ConnectionEventInput = Omit<ConnectionEvent, 'id'>

/** One page of a connection's events, newest first; `nextCursor` is null after the last. */
export interface ConnectionEventPage {
  events: ConnectionEvent[]
  nextCursor: number | null
}

/** How many events of each type were written in one time bucket. */
export interface ConnectionEventCount {
  /** The bucket's start, epoch seconds (a multiple of the bucket size). */
  bucketStart: number
  type: string
  count: number
}

/** Connections per integration and status, for the dashboard's overview. */
export interface ConnectionCount {
  integrationId: string
  status: ConnectionStatus
  count: number
}

/**
 * The event log of connections (bounded: `keepPerConnection` events each, and none older than a
 * retention the runtime prunes by), and the counts the dashboard shows.
 */
export interface ConnectionEventStore {
  /**
   * Writes an event, then forgets the connection's oldest ones beyond `keepPerConnection`, in
   * one transaction.
   */
  recordConnectionEvent(event: ConnectionEventInput, keepPerConnection: number): Promise<ConnectionEvent>
  /** A connection's events, newest first, `limit` (1–1000) at a time, before the cursor's id. */
  pageConnectionEvents(connectionId: string, query: { limit: number; before?: number }): Promise<ConnectionEventPage>
  /** Events of every connection written since `since` (epoch s), counted per type and bucket. */
  countConnectionEvents(since: number, bucketSeconds: number): Promise<ConnectionEventCount[]>
  /** Forgets events written before `before` (epoch s); returns how many. */
  pruneConnectionEvents(before: number): Promise<number>
  /** Connections counted per integration and status. */
  countConnections(): Promise<ConnectionCount[]>
}

/** A signed-in operator's dashboard session, found by the digest of its cookie's token. */
export interface OperatorSession {
  /** Hex SHA-256 of the token the browser holds; the token itself is never stored. */
  tokenHash: string
  /** Who signed in: `env`, `key:<id>` or a JWT subject (as API callers are recorded). */
  callerId: string
  createdAt: number
  expiresAt: number
}

/** Dashboard sessions, stored as digests of their tokens. */
export interface OperatorSessionStore {
  createOperatorSession(session: OperatorSession): Promise<void>
  /** The unexpired session with this digest, or null; expired ones are forgotten on the way. */
  findOperatorSession(tokenHash: string, now: number): Promise<OperatorSession | null>
  /** Ends a session (sign out); false when there was none. */
  deleteOperatorSession(tokenHash: string): Promise<boolean>
}

/**
 * Persistence for Patchbay: one interface per aggregate, composed into one, implemented by SQLite
 * (and later PostgreSQL). A part of the runtime that needs one aggregate asks for its interface.
 */
export interface Store
  extends ConnectorStore,
    IntegrationStore,
    ConnectionStore,
    RefreshLeaseStore,
    RefreshScheduleStore,
    SessionStore,
    ApiKeyStore,
    WebhookStore,
    EncryptionKeyStore,
    ConnectionEventStore,
    OperatorSessionStore {
  /** Resolves when the store answers a trivial query; rejects when it cannot. */
  ping(): Promise<void>
  close(): Promise<void>
}
