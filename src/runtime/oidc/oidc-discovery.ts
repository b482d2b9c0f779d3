import type { JWTVerifyGetKey } from 'jose'
import { PatchbayError } from '../../errors.js'
import { oidc as oidcEngine } from '../../engines/index.js'
import type { OidcProviderMetadata } from '../../engines/oidc/index.js'
import type { FetchLike } from '../fetch/provider-call.js'

/** How long a provider's discovery document is trusted before it is fetched again. */
export const DISCOVERY_TTL_SECONDS = 3600

/** How long discovery and key requests may take. */
const REQUEST_TIMEOUT_MS = 10_000

/** OpenID Provider metadata and signing keys, fetched once per issuer and shared by a runtime. */
export interface OidcDiscovery {
  /** The issuer's discovery document, from the cache when fresh. */
  metadata(issuer: string): Promise<OidcProviderMetadata>
  /** A key resolver over the issuer's JWKS (jose caches the keys and refetches on a new `kid`). */
  keys(issuer: string): Promise<JWTVerifyGetKey>
}

interface Entry {
  fetchedAt: number
  metadata: Promise<OidcProviderMetadata>
  keys?: { uri: string; resolver: JWTVerifyGetKey }
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

  const load = async (issuer: string): Promise<OidcProviderMetadata> => {
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
    return oidcEngine.readDiscoveryResponse(response, issuer)
  }

  const entryOf = (issuer: string): Entry => {
    const cached = entries.get(issuer)
    if (cached && options.now() - cached.fetchedAt < ttl) return cached
    const entry: Entry = { fetchedAt: options.now(), metadata: load(issuer) }
    entries.set(issuer, entry)
    entry.metadata.catch(() => {
      if (entries.get(issuer) === entry) entries.delete(issuer)
    })
    return entry
  }

  return {
    metadata: (issuer) => entryOf(issuer).metadata,
    async keys(issuer) {
      const entry = entryOf(issuer)
      const { jwksUri } = await entry.metadata
      if (entry.keys?.uri !== jwksUri) {
        const { createRemoteJWKSet, customFetch } = await import('jose')
        const resolver = createRemoteJWKSet(new URL(jwksUri), {
          timeoutDuration: REQUEST_TIMEOUT_MS,
          [customFetch]: (url: string, init: RequestInit) => options.fetch(url, init),
        })
        entry.keys = { uri: jwksUri, resolver }
      }
      return entry.keys.resolver
    },
  }
}
