import { randomBytes } from 'node:crypto'
import { digestToken } from './digest.js'
import type { ApiKey, ApiKeyStore } from './types.js'

/** A key as created: its value, shown to the creator once, and the stored record. */
export interface IssuedApiKey {
  /** `pb_<43 base64url characters>`: 32 random bytes. Never stored; show it once. */
  key: string
  apiKey: ApiKey
}

/** Options of {@link issueApiKey}. */
export interface IssueApiKeyOptions {
  name?: string | null
  /** Who created the key: `key:<id>`, `env`, a JWT subject, or `cli`. */
  createdBy?: string | null
}

/** The digest an API key is stored and looked up by (hex SHA-256). */
export function hashApiKey(key: string): string {
  return digestToken(key)
}

/**
 * Creates an API key: a fresh random value, stored only as its SHA-256 digest.
 * @example
 * const { key, apiKey } = await issueApiKey(store, { name: 'ci' })
 * // show `key` once; keep `apiKey.id` to revoke it
 */
export async function issueApiKey(
  store: ApiKeyStore,
  options: IssueApiKeyOptions = {},
): Promise<IssuedApiKey> {
  const key = `pb_${randomBytes(32).toString('base64url')}`
  const apiKey = await store.createApiKey({
    id: `key_${randomBytes(12).toString('base64url')}`,
    name: options.name ?? null,
    keyHash: hashApiKey(key),
    createdBy: options.createdBy ?? null,
  })
  return { key, apiKey }
}

/** An API key as the API and the CLI show it: never its value or its hash. */
export function apiKeyView(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    created_by: key.createdBy,
    created_at: key.createdAt,
    last_used_at: key.lastUsedAt,
    revoked_at: key.revokedAt,
  }
}

/** Uses within this many seconds of the recorded last use are not written again. */
const TOUCH_INTERVAL_SECONDS = 60

/**
 * The stored, unrevoked key a presented value stands for, or null. Records the use, at most
 * once a minute per key so that busy clients do not turn every request into a write.
 */
export async function findActiveApiKey(
  store: ApiKeyStore,
  presented: string,
  now: number,
): Promise<ApiKey | null> {
  const apiKey = await store.findApiKeyByHash(hashApiKey(presented))
  if (!apiKey || apiKey.revokedAt !== null) return null
  if (apiKey.lastUsedAt === null || now - apiKey.lastUsedAt >= TOUCH_INTERVAL_SECONDS) {
    await store.touchApiKey(apiKey.id, now)
    apiKey.lastUsedAt = now
  }
  return apiKey
}
