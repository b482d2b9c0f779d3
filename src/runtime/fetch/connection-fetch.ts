import type { Connector, JsonObject } from '../../kit/index.js'
import type { Connection } from '../../store/index.js'
import { createAuthedFetch } from './authed-fetch.js'
import type { AuthedFetchOptions } from './authed-fetch.js'
import type { RuntimeDeps } from '../deps.js'
import type { ClientSource } from './request-signer.js'
import { clientOf } from '../credentials/token-endpoint.js'
import { schemeRecordOf } from '../schemes/index.js'

/**
 * What every connection-bound fetch shares: credentials from the manager for a stored connection
 * (refreshed ahead of expiry and once on a 401), or inline credentials used as they are.
 */
function baseOptions(
  deps: RuntimeDeps,
  connector: Connector,
  connection: Connection | null,
  inline: JsonObject,
  inlineSettings: JsonObject,
): AuthedFetchOptions {
  const settings = connection?.settings ?? inlineSettings
  const record = schemeRecordOf(connector.auth)
  const sign = record.signer?.(connector.auth, consumerOf(deps, connection, inline))
  return {
    scheme: connector.auth,
    settings,
    baseUrl: deps.baseUrlOf(connector.id, settings),
    fetch: deps.fetch,
    canRenew: connection !== null && record.canRenew(connector.auth, connection.credentials),
    credentials: async (force) => {
      if (!connection) return inline
      return deps.credentials.getCredentials(
        connection.id,
        force ? { force: true, stale: force.stale } : {},
      )
    },
    ...(sign ? { sign } : {}),
  }
}

/** The authenticated fetch a capability gets: a stored connection's, or inline credentials'. */
export function authorizedFetchFor(
  deps: RuntimeDeps,
  connector: Connector,
  connection: Connection | null,
  inline: JsonObject = {},
  inlineSettings: JsonObject = {},
) {
  return createAuthedFetch(baseOptions(deps, connector, connection, inline, inlineSettings))
}

/**
 * The authenticated fetch of a call with inline credentials: they are used as they are (never
 * renewed), so it needs neither the store nor the credential manager.
 */
export function inlineFetchFor(
  deps: Pick<RuntimeDeps, 'baseUrlOf' | 'fetch'>,
  connector: Connector,
  credentials: JsonObject,
  settings: JsonObject,
) {
  const record = schemeRecordOf(connector.auth)
  const sign = record.signer?.(connector.auth, async () => clientOf(null, credentials))
  return createAuthedFetch({
    scheme: connector.auth,
    settings,
    baseUrl: deps.baseUrlOf(connector.id, settings),
    fetch: deps.fetch,
    canRenew: false,
    credentials: async () => credentials,
    ...(sign ? { sign } : {}),
  })
}

/**
 * The fetch behind `patchbay.connection(id).fetch` and the HTTP proxy: the connection's
 * authenticated fetch, also kept under the connector's base URL (a path that would leave it is
 * refused) and retrying idempotent requests on 429/502/503/504 with backoff honouring
 * `Retry-After`, as the runtime's retry policy says.
 */
export function connectionFetchFor(deps: RuntimeDeps, connector: Connector, connection: Connection) {
  return createAuthedFetch({
    ...baseOptions(deps, connector, connection, {}, {}),
    confine: true,
    retry: deps.retry,
    replayLimit: deps.replayLimit,
  })
}

/** The OAuth client (an OAuth 1 consumer): the integration's, or one given with inline credentials; looked up lazily. */
function consumerOf(deps: RuntimeDeps, connection: Connection | null, inline: JsonObject = {}): ClientSource {
  return async () =>
    clientOf(
      connection ? await deps.store.getIntegration(connection.integrationId) : null,
      connection?.credentials ?? inline,
    )
}
