import type { Connector, JsonObject } from '../kit/index.js'
import type { Connection } from '../store/index.js'
import { createAuthedFetch } from './authed-fetch.js'
import type { RuntimeDeps } from './deps.js'
import type { ClientSource } from './oauth1-signing.js'
import { canRenew, clientOf } from './renew.js'

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
    client: consumerOf(deps, connection, inline),
  })
}

/**
 * The fetch behind `patchbay.connection(id).fetch` and the HTTP proxy: a stored connection's
 * authenticated fetch that stays under the connector's base URL (a path that would leave it is
 * refused), refreshes once on a 401, and retries idempotent requests on 429/502/503/504 with
 * backoff honouring `Retry-After`, as the runtime's retry policy says.
 */
export function connectionFetchFor(
  deps: RuntimeDeps,
  connector: Connector,
  connection: Connection,
) {
  return createAuthedFetch({
    scheme: connector.auth,
    settings: connection.settings,
    baseUrl: deps.baseUrlOf(connector.id, connection.settings),
    fetch: deps.fetch,
    canRenew: canRenew(connector.auth, connection.credentials),
    credentials: async (force) =>
      deps.credentials.getCredentials(
        connection.id,
        force ? { force: true, stale: force.stale } : {},
      ),
    confine: true,
    retry: deps.retry,
    replayLimit: deps.replayLimit,
    client: consumerOf(deps, connection),
  })
}

/** The OAuth 1 consumer: the integration's, or one given with inline credentials; looked up lazily. */
function consumerOf(deps: RuntimeDeps, connection: Connection | null, inline: JsonObject = {}): ClientSource {
  return async () =>
    clientOf(
      connection ? await deps.store.getIntegration(connection.integrationId) : null,
      connection?.credentials ?? inline,
    )
}
