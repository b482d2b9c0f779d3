import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { PatchbayErrorCode } from '../../errors.js'
import { oauth2 as oauth2Engine } from '../../engines/index.js'
import type { TokenTypeHint } from '../../engines/oauth2/index.js'
import type { OAuth2Scheme } from '../../kit/index.js'
import type { Connection, Integration } from '../../store/index.js'
import type { RuntimeDeps } from '../deps.js'
import { redactError } from '../redact.js'
import { clientOf, resolveUrlProperty } from '../credentials/renew.js'

/** How long one revocation request may take before the provider counts as unreachable. */
const REVOCATION_TIMEOUT_MS = 10_000

/**
 * What happened at the provider when a connection was deleted. `attempted` is false when the
 * connector declares no revocation endpoint (or the connection holds no token); `ok` is true
 * only when the provider confirmed every revocation; `error` is the first failure, without
 * secrets.
 */
export interface RevocationReport {
  attempted: boolean
  ok: boolean
  error?: { code: PatchbayErrorCode; message: string }
}

/** The outcome of deleting a connection: whether it was there, and the revocation report. */
export interface DisconnectResult {
  deleted: boolean
  revocation: RevocationReport
}

const NOT_ATTEMPTED: RevocationReport = { attempted: false, ok: false }

function failed(error: unknown): RevocationReport {
  const known = isPatchbayError(error)
    ? error
    : new PatchbayError('internal', 'Token revocation failed unexpectedly', { cause: error })
  return { attempted: true, ok: false, error: { code: known.code, message: known.message } }
}

/** The revocation endpoint of a scheme: its own, else the OIDC issuer's; null when it has none. */
async function revocationUrlOf(
  deps: RuntimeDeps,
  scheme: OAuth2Scheme,
  connection: Connection,
): Promise<string | null> {
  if (scheme.revocationUrl !== undefined)
    return resolveUrlProperty(scheme.revocationUrl, connection.settings, scheme.urlPolicy)
  if (scheme.oidc) return (await deps.oidc.metadata(scheme.oidc.issuer)).revocationEndpoint ?? null
  return null
}

async function revokeOne(deps: RuntimeDeps, request: Request): Promise<void> {
  const where = new URL(request.url)
  let response: Response
  try {
    response = await deps.fetch(request, { signal: AbortSignal.timeout(REVOCATION_TIMEOUT_MS) })
  } catch (cause) {
    throw new PatchbayError(
      'provider_error',
      `POST ${where.origin}${where.pathname} failed: the provider could not be reached`,
      { cause },
    )
  }
  await oauth2Engine.readRevocationResponse(response)
}

/**
 * Revokes a connection's refresh token, then its access token, at the provider's RFC 7009
 * endpoint with the integration's client authentication. Never throws: every failure is in the
 * report, so the caller can delete the connection whatever the provider says.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function revokeConnectionTokens(
  deps: RuntimeDeps,
  connection: Connection,
): Promise<RevocationReport> {
  let integration: Integration | null
  let scheme
  try {
    integration = await deps.store.getIntegration(connection.integrationId)
    if (!integration) return NOT_ATTEMPTED
    scheme = deps.registry.get(integration.connectorId).auth
  } catch {
    // A connector that is no longer registered cannot say where to revoke.
    return NOT_ATTEMPTED
  }
  if (scheme.type !== 'oauth2') return NOT_ATTEMPTED
  const credentials = connection.credentials
  const tokens: [TokenTypeHint, string][] = []
  // The refresh token first: revoking it may end the grant, and it is the long-lived one.
  if (typeof credentials['refreshToken'] === 'string' && credentials['refreshToken']) {
    tokens.push(['refresh_token', credentials['refreshToken']])
  }
  if (typeof credentials['accessToken'] === 'string' && credentials['accessToken']) {
    tokens.push(['access_token', credentials['accessToken']])
  }
  if (tokens.length === 0) return NOT_ATTEMPTED
  const secrets = [...tokens.map(([, token]) => token), integration.clientSecret ?? '']
  let revocationUrl: string | null
  try {
    revocationUrl = await revocationUrlOf(deps, scheme, connection)
  } catch (error) {
    return failed(redactError(error, secrets.filter(Boolean)))
  }
  if (!revocationUrl) return NOT_ATTEMPTED
  let firstError: unknown
  for (const [tokenTypeHint, token] of tokens) {
    try {
      const client = clientOf(integration, credentials)
      const request = oauth2Engine.buildRevocationRequest(
        { revocationUrl, clientAuth: scheme.clientAuth },
        client,
        { token, tokenTypeHint },
      )
      await revokeOne(deps, request)
    } catch (error) {
      firstError ??= error
    }
  }
  if (firstError === undefined) return { attempted: true, ok: true }
  return failed(redactError(firstError, secrets.filter(Boolean)))
}

/**
 * Deletes a connection: revokes its tokens at the provider when the connector says where, then
 * removes it locally whatever the provider answered, and announces `connection.deleted` with the
 * revocation report.
 */
export async function disconnectConnection(
  deps: RuntimeDeps,
  id: string,
): Promise<DisconnectResult> {
  const connection = await deps.store.getConnection(id)
  if (!connection) return { deleted: false, revocation: NOT_ATTEMPTED }
  const revocation = await revokeConnectionTokens(deps, connection)
  const deleted = await deps.store.deleteConnection(id)
  if (deleted) {
    deps.emit({
      type: 'connection.deleted',
      connectionId: id,
      integrationId: connection.integrationId,
      revocation,
    })
  }
  return { deleted, revocation }
}
