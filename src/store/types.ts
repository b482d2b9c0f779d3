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
  createdAt: number
  updatedAt: number
}

export interface IntegrationInput {
  id: string
  connectorId: string
  clientId?: string | null
  clientSecret?: string | null
  scopes?: string[] | null
  redirectUri?: string | null
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
}

export interface ConnectionPatch {
  settings?: { [key: string]: JsonValue }
  credentials?: { [key: string]: JsonValue }
  accountName?: string | null
  status?: ConnectionStatus
  expiresAt?: number | null
  lastError?: string | null
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
  integrationId: string
  connectionId: string | null
  redirect: string | null
  endUser: string | null
  expiresAt: number
}

/** Persistence for Patchbay. One interface, implemented by SQLite (and later PostgreSQL). */
export interface Store {
  putConnector(id: string, definition: { [key: string]: JsonValue }): Promise<StoredConnector>
  getConnector(id: string): Promise<StoredConnector | null>
  listConnectors(): Promise<StoredConnector[]>
  deleteConnector(id: string): Promise<boolean>

  putIntegration(input: IntegrationInput): Promise<Integration>
  getIntegration(id: string): Promise<Integration | null>
  listIntegrations(): Promise<Integration[]>
  deleteIntegration(id: string): Promise<boolean>

  /** Inserts, or replaces the connection with the same id (re-authorization). */
  saveConnection(input: ConnectionInput): Promise<Connection>
  getConnection(id: string): Promise<Connection | null>
  listConnections(filter?: { integrationId?: string }): Promise<Connection[]>
  updateConnection(id: string, patch: ConnectionPatch): Promise<Connection | null>
  deleteConnection(id: string): Promise<boolean>

  /**
   * Takes the refresh lease of a connection for `ttlMs`, across every process sharing the store.
   * Returns false while another holder's lease is live.
   */
  acquireRefreshLease(connectionId: string, holder: string, ttlMs: number): Promise<boolean>
  releaseRefreshLease(connectionId: string, holder: string): Promise<void>

  createAuthSession(session: AuthSession): Promise<void>
  /** Returns the session and deletes it in one step, so a state is usable once; null if unknown or expired. */
  takeAuthSession(state: string, now: number): Promise<AuthSession | null>

  createConnectSession(session: ConnectSession): Promise<void>
  /** Returns the connect session if known and unexpired (it is not consumed). */
  getConnectSession(token: string, now: number): Promise<ConnectSession | null>
  /** Marks the connect session used; returns false if it was already used or is unknown/expired. */
  consumeConnectSession(token: string, now: number): Promise<boolean>

  close(): Promise<void>
}
