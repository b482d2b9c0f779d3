import { createHash, randomBytes } from 'node:crypto'
import { PatchbayError } from '../../errors.js'
import type { ApiKey, ApiKeyStore } from '../../store/index.js'

/** A key as created: its value, shown to the creator once, and the stored record. */
export interface IssuedApiKey {
  /** `pb_<43 base64url characters>`: 32 random bytes. Never stored; show it once. */
  key: string
  apiKey: ApiKey
}

/** Options of {@link ApiKeyService.issue}. */
export interface IssueApiKeyOptions {
  name?: string | null
  /** Who created the key: `key:<id>`, `env`, a JWT subject, or `cli`. */
  createdBy?: string | null
}

/** The digest an API key is stored and looked up by (hex SHA-256). */
function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** Creates an API key: a fresh random value, stored only as its SHA-256 digest. */
async function issueApiKey(
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
async function findActiveApiKey(
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

/** API keys for the HTTP API: the runtime's service behind `patchbay.apiKeys`. */
export interface ApiKeyService {
  /**
   * Creates a key; its value is in the answer this once and never stored.
   * @example
   * const { key, apiKey } = await patchbay.apiKeys.issue({ name: 'ci' })
   * // show `key` once; keep `apiKey.id` to revoke it
   */
  issue(options?: IssueApiKeyOptions): Promise<IssuedApiKey>
  /** Every key, revoked ones included, oldest first. */
  list(): Promise<ApiKey[]>
  /**
   * Revokes a key now; requests using it are refused from then on (the record stays listed).
   * @throws PatchbayError `not_found` for an unknown id
   */
  revoke(id: string): Promise<ApiKey>
  /** The stored, unrevoked key a presented value stands for, or null; records the use. */
  findActive(presented: string): Promise<ApiKey | null>
}

/** The API key service over a store, on the runtime's clock (epoch seconds). */
export function createApiKeyService(deps: { store: ApiKeyStore; now: () => number }): ApiKeyService {
  const { store, now } = deps
  return {
    issue: (options) => issueApiKey(store, options),
    list: () => store.listApiKeys(),
    async revoke(id) {
      const revoked = await store.revokeApiKey(id, now())
      if (!revoked) throw new PatchbayError('not_found', `API key "${id}" does not exist`)
      return revoked
    },
    findActive: (presented) => findActiveApiKey(store, presented, now()),
  }
}
