import type { JWTVerifyGetKey } from 'jose'
import { PatchbayError } from '../../errors.js'
import { oidc as oidcEngine } from '../../engines/index.js'
import type { OidcIssuerMetadata, OidcProviderMetadata } from '../../engines/oidc/index.js'
import type { FetchLike } from '../fetch/provider-call.js'

/** The asymmetric signature algorithms accepted for an issuer's tokens (the engine's list). */
export const ID_TOKEN_ALGORITHMS: readonly string[] = oidcEngine.ID_TOKEN_ALGORITHMS

/** How long a provider's discovery document is trusted before it is fetched again. */
const DISCOVERY_TTL_SECONDS = 3600

/** How long discovery and key requests may take. */
const REQUEST_TIMEOUT_MS = 10_000

/** How an issuer's JWKS is fetched and kept (jose's remote key set options). */
export interface KeySetOptions {
  /** After a fetch, how long a token with an unknown `kid` may not trigger another (ms; 30 000). */
  cooldownMs?: number
  /** How long a fetched JWKS is used before it is fetched again (ms; 600 000). */
  cacheMaxAgeMs?: number
  /** How long a JWKS request may take (ms; 10 000). */
  timeoutMs?: number
}

/** OpenID Provider metadata and signing keys, fetched once per issuer and shared by a runtime. */
export interface OidcDiscovery {
  /** The provider's discovery document, from the cache when fresh, with its flow endpoints. */
  metadata(issuer: string): Promise<OidcProviderMetadata>
  /**
   * A key resolver over the issuer's JWKS (jose caches the keys and refetches on a new `kid`).
   * The issuer need publish only a `jwks_uri`: an API's token issuer is enough.
   */
  keys(issuer: string, options?: KeySetOptions): Promise<JWTVerifyGetKey>
}

interface Entry {
  fetchedAt: number
  metadata: Promise<OidcIssuerMetadata>
  /** Resolvers by JWKS URI and options. */
  keys: Map<string, JWTVerifyGetKey>
}

/**
 * A per-runtime discovery cache: one request per issuer per {@link DISCOVERY_TTL_SECONDS},
 * concurrent callers sharing it; a failed request is not cached, so the next flow tries again.
 */
export function createOidcDiscovery(options: {
  fetch: FetchLike
  now: () => number
  ttlSeconds?: number
}): OidcDiscovery {
  const ttl = options.ttlSeconds ?? DISCOVERY_TTL_SECONDS
  const entries = new Map<string, Entry>()

  const load = async (issuer: string): Promise<OidcIssuerMetadata> => {
    const request = oidcEngine.buildDiscoveryRequest(issuer)
    let response: Response
    try {
      response = await options.fetch(request.url, {
        headers: request.headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
    } catch (cause) {
      throw new PatchbayError(
        'provider_error',
        `OpenID discovery for ${issuer} failed: the issuer could not be reached`,
        {
          cause,
          details: { issuer },
        },
      )
    }
    return oidcEngine.readIssuerMetadata(response, issuer)
  }

  const entryOf = (issuer: string): Entry => {
    const cached = entries.get(issuer)
    if (cached && options.now() - cached.fetchedAt < ttl) return cached
    const entry: Entry = { fetchedAt: options.now(), metadata: load(issuer), keys: new Map() }
    entries.set(issuer, entry)
    entry.metadata.catch(() => {
      if (entries.get(issuer) === entry) entries.delete(issuer)
    })
    return entry
  }

  return {
    metadata: async (issuer) => oidcEngine.requireFlowEndpoints(await entryOf(issuer).metadata),
    async keys(issuer, keySet = {}) {
      const entry = entryOf(issuer)
      const { jwksUri } = await entry.metadata
      const cooldownDuration = keySet.cooldownMs ?? 30_000
      const cacheMaxAge = keySet.cacheMaxAgeMs ?? 600_000
      const timeoutDuration = keySet.timeoutMs ?? REQUEST_TIMEOUT_MS
      const id = `${jwksUri} ${cooldownDuration} ${cacheMaxAge} ${timeoutDuration}`
      let resolver = entry.keys.get(id)
      if (!resolver) {
        const { createRemoteJWKSet, customFetch } = await import('jose')
        resolver = createRemoteJWKSet(new URL(jwksUri), {
          cooldownDuration,
          cacheMaxAge,
          timeoutDuration,
          [customFetch]: (url: string, init: RequestInit) => options.fetch(url, init),
        })
        entry.keys.set(id, resolver)
      }
      return resolver
    },
  }
}
