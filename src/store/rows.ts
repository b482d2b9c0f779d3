import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import type { ApiKey, ConnectionStatus, StoredConnector } from './types.js'

// What the SQLite and the PostgreSQL stores share about their rows: both hold the same schema,
// so a row reads the same way from either.

type JsonObject = { [key: string]: JsonValue }

export interface ConnectorRow {
  id: string
  definition: string
  created_at: number
  updated_at: number
}

export interface ApiKeyRow {
  id: string
  name: string | null
  created_by: string | null
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

export const STATUSES: readonly ConnectionStatus[] = ['active', 'needs_reauth', 'error']

// Associated data binds each sealed value to its row and column (DESIGN.md, security rules).
export const aad = {
  clientSecret: (id: string) => `integrations:${id}:client_secret`,
  credentials: (id: string) => `connections:${id}:credentials`,
  authData: (stateHash: string) => `auth_sessions:${stateHash}:data`,
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

export function assertStatus(status: string): void {
  if (!STATUSES.includes(status as ConnectionStatus)) {
    throw new TypeError(`connection status must be one of ${STATUSES.join(', ')}, got ${status}`)
  }
}

export function parseObject(text: string, what: string): JsonObject {
  const value = JSON.parse(text) as JsonValue
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PatchbayError('internal', `stored ${what} is not a JSON object`)
  }
  return value
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }
}

export function toConnector(row: ConnectorRow): StoredConnector {
  return {
    id: row.id,
    definition: parseObject(row.definition, `definition of connector ${row.id}`),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/**
 * Checks the arguments of the scheduler's queries (`dueForRefresh` and its claims): a finite
 * window in ms and a positive integer limit.
 */
export function assertWindow(method: string, windowMs: number, limit: number): void {
  if (!Number.isFinite(windowMs) || !Number.isInteger(limit) || limit < 1) {
    throw new TypeError(`${method} takes a finite window (ms) and a positive integer limit`)
  }
}
