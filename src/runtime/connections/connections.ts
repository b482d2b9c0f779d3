import { PatchbayError } from '../../errors.js'
import type { AuthScheme, Connector, JsonObject } from '../../kit/index.js'
import type { Connection, Integration } from '../../store/index.js'
import { parseSettings } from '../capabilities/capabilities.js'
import type { RuntimeDeps } from '../deps.js'
import { connectionIdOf, finishConnection } from './finish-connection.js'
import { redactError, secretValues } from '../redact.js'
import { clientOf } from '../credentials/token-endpoint.js'
import type { IssuedCredentials } from '../credentials/token-endpoint.js'
import { schemeRecordOf } from '../schemes/index.js'
import { unknownIntegration } from '../unknown-integration.js'

/**
 * Turns what a caller supplies as `auth` into credentials for a scheme: checks the fields,
 * fetches a client-credentials token, trades a refresh token for the first access token, or logs
 * in.
 * @throws PatchbayError `bad_request` naming a missing field
 */
export async function credentialsFromInput(
  deps: Pick<RuntimeDeps, 'fetch' | 'now'>,
  scheme: AuthScheme,
  auth: JsonObject,
  context: { integration: Integration | null; settings: JsonObject; baseUrl: string },
): Promise<IssuedCredentials> {
  return schemeRecordOf(scheme).fromInput(
    { ...context, fetch: deps.fetch, now: deps.now() },
    scheme,
    auth,
  )
}

/** The request signer of a new connection's scheme, when it signs (OAuth 1). */
function signerOf(connector: Connector, integration: Integration, issued: IssuedCredentials) {
  const sign = schemeRecordOf(connector.auth).signer?.(connector.auth, () =>
    clientOf(integration, issued.credentials),
  )
  return sign ? { sign } : {}
}

export interface CreateConnectionInput {
  integration: string
  connectionId?: string | null
  settings?: JsonObject
  auth?: JsonObject
  createdBy?: string | null
}

async function integrationAndConnector(deps: RuntimeDeps, id: string): Promise<[Integration, Connector]> {
  const integration = await deps.store.getIntegration(id)
  if (!integration) throw unknownIntegration(id)
  return [integration, deps.registry.get(integration.connectorId)]
}

/**
 * Creates (or replaces) a connection from credentials the caller holds: API key fields, a
 * username and password, a client-credentials client, or OAuth tokens to import. Credentials
 * are validated, or the first token fetched, before anything is stored.
 */
export async function createConnection(deps: RuntimeDeps, input: CreateConnectionInput): Promise<Connection> {
  const [integration, connector] = await integrationAndConnector(deps, input.integration)
  const connectionId = connectionIdOf(input.connectionId)
  const existing = await deps.store.getConnection(connectionId)
  if (existing && existing.integrationId !== integration.id) {
    throw new PatchbayError('bad_request', `Connection "${connectionId}" belongs to another integration`)
  }
  const settings = parseSettings(connector, input.settings ?? {})
  // A provider may echo the key or password it refuses; the caller's error must not.
  const secrets = secretValues(input.auth)
  if (integration.clientSecret) secrets.push(integration.clientSecret)
  try {
    const issued = await credentialsFromInput(deps, connector.auth, input.auth ?? {}, {
      integration,
      settings,
      baseUrl: deps.baseUrlOf(connector.id, settings),
    })
    secrets.push(...secretValues(issued.credentials))
    return await finishConnection(deps, {
      connector,
      integration,
      settings,
      issued,
      connectionId,
      createdBy: input.createdBy ?? null,
      ...signerOf(connector, integration, issued),
    })
  } catch (error) {
    throw redactError(error, secrets)
  }
}
