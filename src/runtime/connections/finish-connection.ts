import { randomBytes } from 'node:crypto'
import { PatchbayError } from '../../errors.js'
import type { Connector, JsonObject } from '../../kit/index.js'
import type { AuthSession, Connection, Integration } from '../../store/index.js'
import type { RuntimeDeps } from '../deps.js'
import { redactError, secretValues } from '../redact.js'
import { callProvider, pickValue } from '../fetch/provider-call.js'
import type { ProviderEnv } from '../fetch/provider-call.js'
import type { IssuedCredentials } from '../credentials/token-endpoint.js'
import type { RequestSigner } from '../fetch/request-signer.js'

const CONNECTION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/

/**
 * Checks a caller-chosen connection id, or makes one.
 * @throws PatchbayError `bad_request`
 */
export function connectionIdOf(requested: string | null | undefined): string {
  if (requested === undefined || requested === null) {
    return `conn_${randomBytes(12).toString('base64url')}`
  }
  if (!CONNECTION_ID.test(requested)) {
    throw new PatchbayError(
      'bad_request',
      'connection_id must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit',
    )
  }
  return requested
}

/**
 * Checks credentials with the connector's `validate`, in the connector's words when it gives any.
 * @throws PatchbayError coded by the provider's answer
 */
async function validateCredentials(env: ProviderEnv): Promise<void> {
  const { validate, validateError } = env.scheme
  if (validate === undefined) return
  await callProvider(validate, env, validateError ? { describeFailure: validateError } : {})
}

/** Reads the account name (from the profile) that names the connection; null without a profile. */
async function accountNameOf(env: ProviderEnv): Promise<string | null> {
  const profile = env.scheme.profile
  if (!profile) return null
  const body = await callProvider(profile.request, env)
  return pickValue(profile.accountName, body) ?? pickValue(profile.email, body)
}

/**
 * The last steps every new connection takes, whatever its scheme: validate the credentials, read
 * the profile for the account name, store (replacing a connection being re-authorized), announce.
 */
export async function finishConnection(
  deps: RuntimeDeps,
  input: {
    connector: Connector
    integration: Integration
    settings: JsonObject
    issued: IssuedCredentials
    connectionId: string | null
    createdBy: string | null
    /** Signs the validation and profile requests, for schemes that sign (OAuth 1). */
    sign?: RequestSigner
  },
): Promise<Connection> {
  const { connector, integration, settings, issued } = input
  const env: ProviderEnv = {
    scheme: connector.auth,
    settings,
    credentials: issued.credentials,
    baseUrl: deps.baseUrlOf(connector.id, settings),
    fetch: deps.fetch,
    context: { clientId: integration.clientId ?? '' },
    ...(input.sign ? { sign: input.sign } : {}),
  }
  await validateCredentials(env)
  const accountName = await accountNameOf(env)
  const id = connectionIdOf(input.connectionId)
  const existed = (await deps.store.getConnection(id)) !== null
  const connection = await deps.store.saveConnection({
    id,
    integrationId: integration.id,
    settings,
    credentials: issued.credentials,
    accountName,
    status: 'active',
    expiresAt: issued.expiresAt,
    issuedAt: deps.now(),
    createdBy: input.createdBy,
    renewable: deps.canRenew(connector.auth, issued.credentials),
  })
  deps.emit({
    type: existed ? 'connection.updated' : 'connection.created',
    connectionId: id,
    integrationId: integration.id,
  })
  return connection
}

/**
 * finishConnection at the end of a redirect flow (OAuth 2 or OAuth 1): the connection the auth
 * session names, the caller it recorded, and any error scrubbed of the tokens just issued.
 */
export async function finishAuthorizedConnection(
  deps: RuntimeDeps,
  input: {
    connector: Connector
    integration: Integration
    settings: JsonObject
    issued: IssuedCredentials
    session: AuthSession
    sign?: RequestSigner
  },
): Promise<Connection> {
  const { session, ...rest } = input
  const createdBy = session.data['createdBy']
  try {
    return await finishConnection(deps, {
      ...rest,
      connectionId: session.connectionId,
      createdBy: typeof createdBy === 'string' ? createdBy : null,
    })
  } catch (error) {
    throw redactError(error, secretValues(input.issued.credentials))
  }
}

/** The error for a provider's refusal on the callback (`access_denied`…), in its own words. */
export function providerRefusal(error: string, description: string | null): PatchbayError {
  const described = description ? ` (${description})` : ''
  return new PatchbayError('unauthorized', `The provider refused the authorization: ${error}${described}`, {
    details: { error, ...(description ? { error_description: description } : {}) },
  })
}
