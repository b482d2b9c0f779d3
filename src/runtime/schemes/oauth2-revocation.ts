import { PatchbayError } from '../../errors.js'
import { oauth2 as oauth2Engine } from '../../engines/index.js'
import type { TokenTypeHint } from '../../engines/oauth2/index.js'
import type { OAuth2Scheme } from '../../kit/index.js'
import type { Connection, Integration } from '../../store/index.js'
import { clientOf, resolveUrlProperty } from '../credentials/token-endpoint.js'
import type { RuntimeDeps } from '../deps.js'
import { redactError } from '../redact.js'
import { failedRevocation, NOT_ATTEMPTED } from './revocation-report.js'
import type { RevocationReport } from './revocation-report.js'

/** How long one revocation request may take before the provider counts as unreachable. */
const REVOCATION_TIMEOUT_MS = 10_000

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
 * Revokes an OAuth 2 connection's refresh token, then its access token, at the provider's
 * RFC 7009 endpoint with the integration's client authentication. Never throws: every failure
 * is in the report.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function revokeOAuth2Tokens(
  deps: RuntimeDeps,
  scheme: OAuth2Scheme,
  connection: Connection,
  integration: Integration,
): Promise<RevocationReport> {
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
    return failedRevocation(redactError(error, secrets.filter(Boolean)))
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
  return failedRevocation(redactError(firstError, secrets.filter(Boolean)))
}
