import type { Connector, JsonObject } from '../kit/index.js'
import type { Connection } from '../store/index.js'
import { createAuthedFetch } from './authed-fetch.js'
import type { RuntimeDeps } from './deps.js'
import { canRenew } from './renew.js'

/**
 * The authenticated fetch of a stored connection (credentials from the manager, so refreshed
 * ahead of expiry and once on a 401), or of credentials given inline (used as they are).
 */
export function authorizedFetchFor(
  deps: RuntimeDeps,
  connector: Connector,
  connection: Connection | null,
  inline: JsonObject = {},
  inlineSettings: JsonObject = {},
) {
  const settings = connection?.settings ?? inlineSettings
  return createAuthedFetch({
    scheme: connector.auth,
    settings,
    baseUrl: deps.baseUrlOf(connector.id, settings),
    fetch: deps.fetch,
    canRenew: connection !== null && canRenew(connector.auth, connection.credentials),
    credentials: async (force) => {
      if (!connection) return inline
      return deps.credentials.getCredentials(
        connection.id,
        force ? { force: true, stale: force.stale } : {},
      )
    },
  })
}
