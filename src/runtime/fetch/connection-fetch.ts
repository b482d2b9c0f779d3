import type { Connector, JsonObject } from '../../kit/index.js'
import type { Connection } from '../../store/index.js'
import { createAuthedFetch } from './authed-fetch.js'
import type { AuthedFetchOptions } from './authed-fetch.js'
import type { RuntimeDeps } from '../deps.js'
import type { ClientSource } from './request-signer.js'
import { clientOf } from '../credentials/token-endpoint.js'
import { schemeRecordOf } from '../schemes/index.js'

/** Whether a scheme's placement names the OAuth client (Twitch's `Client-Id: {{clientId}}`). */
function placementNamesClient(connector: Connector): boolean {
  const { headers, query } = connector.auth.apply
  return [...Object.values(headers), ...Object.values(query)].some((value) =>
    /\{\{\s*clientId\s*\}\}/.test(value),
  )
}

/**
 * The placement's `{{clientId}}`: the one given inline (`auth.client_id`, or the caller's
 * context), else the stored connection's integration, looked up only when the placement names it.
 */
function clientContext(
  deps: RuntimeDeps,
  connector: Connector,
  connection: Connection | null,
  inline: JsonObject,
  given: JsonObject | undefined,
): JsonObject | (() => Promise<JsonObject>) | undefined {
  if (given !== undefined) return given
  if (!placementNamesClient(connector)) return undefined
  const own = inline['client_id']
  if (typeof own === 'string' && own !== '') return { clientId: own }
  if (!connection) return undefined
  return async (): Promise<JsonObject> => {
    const integration = await deps.store.getIntegration(connection.integrationId)
    return integration?.clientId ? { clientId: integration.clientId } : {}
  }
}

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
  givenContext?: JsonObject,
): AuthedFetchOptions {
  const settings = connection?.settings ?? inlineSettings
  const record = schemeRecordOf(connector.auth)
  const sign = record.signer?.(connector.auth, consumerOf(deps, connection, inline))
  const context = clientContext(deps, connector, connection, inline, givenContext)
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
    ...(context ? { context } : {}),
  }
}

/**
 * The authenticated fetch a capability gets: a stored connection's, or inline credentials'.
 * @param context template variables the caller knows (the sign-in integration's `clientId`)
 */
export function authorizedFetchFor(
  deps: RuntimeDeps,
  connector: Connector,
  connection: Connection | null,
  inline: JsonObject = {},
  inlineSettings: JsonObject = {},
  context?: JsonObject,
) {
  return createAuthedFetch(baseOptions(deps, connector, connection, inline, inlineSettings, context))
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
  context?: JsonObject,
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
    ...(context ? { context } : {}),
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
