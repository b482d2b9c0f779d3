import type { RuntimeDeps } from '../deps.js'
import { schemeRecordOf } from '../schemes/index.js'
import type { SchemeRecord } from '../schemes/index.js'
import { beginOAuth2Authorization, completeOAuth2Authorization } from './authorization.js'
import type {
  AuthorizationResult,
  AuthorizationStart,
  BeginAuthorizationOptions,
  CompleteAuthorizationOptions,
} from './authorization.js'

/** The scheme record of an integration's connector; undefined when either is unknown. */
async function recordOf(deps: RuntimeDeps, integrationId: string): Promise<SchemeRecord | undefined> {
  const integration = await deps.store.getIntegration(integrationId)
  const connector = integration ? deps.registry.find(integration.connectorId) : undefined
  return connector ? schemeRecordOf(connector.auth) : undefined
}

/**
 * Starts the redirect flow of an integration's scheme (OAuth 2 code grant, OAuth 1). An unknown
 * integration, or a scheme without a flow, goes to the OAuth 2 flow, which refuses it in words
 * (`not_found`, or `bad_request` naming the scheme).
 */
export async function beginAuthorization(
  deps: RuntimeDeps,
  integrationId: string,
  options: BeginAuthorizationOptions = {},
): Promise<AuthorizationStart> {
  const begin = (await recordOf(deps, integrationId))?.begin ?? beginOAuth2Authorization
  return begin(deps, integrationId, options)
}

/**
 * Completes the redirect flow of an integration's scheme from the provider's callback
 * parameters. An unknown integration goes to the OAuth 2 flow, whose state check refuses it
 * (`state_mismatch`) before anything else is read.
 */
export async function completeAuthorization(
  deps: RuntimeDeps,
  integrationId: string,
  params: URLSearchParams,
  options: CompleteAuthorizationOptions = {},
): Promise<AuthorizationResult> {
  const complete = (await recordOf(deps, integrationId))?.complete ?? completeOAuth2Authorization
  return complete(deps, integrationId, params, options)
}
