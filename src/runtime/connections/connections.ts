import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { apikey as apikeyEngine } from '../../engines/index.js'
import { isJsonObject } from '../../kit/index.js'
import type { AuthScheme, Connector, JsonObject } from '../../kit/index.js'
import type { Connection, Integration } from '../../store/index.js'
import { parseSettings } from '../capabilities/capabilities.js'
import type { RuntimeDeps } from '../deps.js'
import { connectionIdOf, finishConnection } from './finish-connection.js'
import { redactError, secretValues } from '../redact.js'
import { issueFromRefreshToken } from './refresh-grant.js'
import { oauth1CredentialsFromInput } from '../credentials/oauth1-credentials.js'
import { issueClientCredentials, issueLoginToken } from '../credentials/renew.js'
import type { IssuedCredentials } from '../credentials/renew.js'

function unwrap(auth: JsonObject, key: string): JsonObject {
  const inner = auth[key]
  return isJsonObject(inner) ? inner : auth
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * Reads OAuth 2 tokens given directly (importing an existing connection, or a CLI call with
 * `auth`). Accepts the provider's own names (`access_token`), ours (`accessToken`) and the
 * Lumos wrapper (`{"oauth": {...}}`).
 */
function tokensFromInput(auth: JsonObject): IssuedCredentials | null {
  const source = unwrap(auth, 'oauth')
  const accessToken = text(source['access_token']) ?? text(source['accessToken'])
  if (!accessToken) return null
  const credentials: JsonObject = {
    accessToken,
    tokenType: text(source['token_type']) ?? text(source['tokenType']) ?? 'Bearer',
  }
  const refreshToken = text(source['refresh_token']) ?? text(source['refreshToken'])
  if (refreshToken) credentials['refreshToken'] = refreshToken
  const expiresAt = Number(source['expires_at'] ?? source['expiresAt'])
  if (Number.isFinite(expiresAt) && expiresAt > 0) credentials['expiresAt'] = expiresAt
  return { credentials, expiresAt: typeof credentials['expiresAt'] === 'number' ? expiresAt : null }
}

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
  const env = { ...context, fetch: deps.fetch, now: deps.now() }
  if (scheme.type === 'oauth2') {
    const imported = tokensFromInput(auth)
    if (imported) return imported
    if (scheme.grantType === 'refresh_token') return issueFromRefreshToken(env, scheme, auth)
    if (scheme.grantType === 'client_credentials') {
      const client: JsonObject = {}
      const id = text(auth['client_id'])
      const secret = text(auth['client_secret'])
      if (id) client['client_id'] = id
      if (secret) client['client_secret'] = secret
      return issueClientCredentials({ ...env, scheme, credentials: client }, scheme)
    }
    throw new PatchbayError(
      'bad_request',
      'auth.access_token: required (OAuth 2 connections are made through the connect flow, or import tokens)',
      { details: { problems: ['auth.access_token: required'] } },
    )
  }
  if (scheme.type === 'oauth1') return oauth1CredentialsFromInput(unwrap(auth, 'oauth1'))
  const fields = apikeyEngine.readAuthFields(scheme, unwrap(auth, scheme.type === 'basic' ? 'basic' : 'api_key'))
  if (scheme.type === 'basic' && scheme.login) {
    return issueLoginToken({ ...env, scheme, credentials: fields }, scheme)
  }
  return { credentials: fields, expiresAt: null }
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
  if (!integration) throw new PatchbayError('not_found', `Integration "${id}" does not exist`)
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
    })
  } catch (error) {
    throw redactError(error, secrets)
  }
}
