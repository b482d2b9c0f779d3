import type { AuthScheme, Capability, Connector, JsonObject, SchemeFacts } from '../../kit/index.js'
import type { Connection, Integration } from '../../store/index.js'
import type {
  AuthorizationResult,
  AuthorizationStart,
  BeginAuthorizationOptions,
  CompleteAuthorizationOptions,
} from '../authorization/authorization.js'
import type { IssuedCredentials, RenewEnv } from '../credentials/token-endpoint.js'
import type { RuntimeDeps } from '../deps.js'
import type { FetchLike } from '../fetch/fetch-like.js'
import type { ClientSource, RequestSigner } from '../fetch/request-signer.js'
import type { RevocationReport } from './revocation-report.js'

/** What turning a caller's `auth` input into credentials needs, besides the scheme. */
export interface InputEnv {
  integration: Integration | null
  settings: JsonObject
  baseUrl: string
  fetch: FetchLike
  now: number
}

/**
 * Everything the runtime does that depends on the auth scheme, in one record per scheme; the
 * runtime looks the record up by the scheme's type and never asks the type again. The kit's
 * facts (fields, describe, usesRedirect, label) come first; the protocol steps follow.
 */
export interface SchemeRecord<S extends AuthScheme = AuthScheme> extends SchemeFacts<S> {
  /** Whether the scheme can obtain new credentials by itself, without the user. */
  canRenew(scheme: S, credentials: JsonObject): boolean
  /** Seconds before expiry to renew at, when the scheme declares its own; else the runtime's. */
  margin(scheme: S): number | undefined
  /**
   * Fresh credentials without the user (a refresh grant, a new login…).
   * @throws PatchbayError `needs_reauth` when only the user can fix it
   */
  renew(env: RenewEnv, scheme: S): Promise<IssuedCredentials>
  /**
   * Credentials from what a caller supplies as `auth`: checked fields, imported tokens, or a
   * first token fetched with them.
   * @throws PatchbayError `bad_request` naming a missing field
   */
  fromInput(env: InputEnv, scheme: S, auth: JsonObject): Promise<IssuedCredentials>
  /**
   * Credentials from an imported connection's `auth` (`POST /connections/import`), with no
   * provider request: tokens, key fields or a password taken as they are.
   * @throws PatchbayError `bad_request` naming a missing field, or saying that the scheme's
   *   credentials need a provider round trip and so cannot be imported
   */
  fromImport(scheme: S, auth: JsonObject): IssuedCredentials
  /** A signer of each request, for schemes that sign requests (OAuth 1). */
  signer?(scheme: S, client: ClientSource): RequestSigner
  /** Revokes a deleted connection's tokens at the provider; never throws for the provider. */
  revoke?(
    deps: RuntimeDeps,
    scheme: S,
    connection: Connection,
    integration: Integration,
  ): Promise<RevocationReport>
  /** Starts a redirect flow (schemes whose `usesRedirect` is true). */
  begin?(
    deps: RuntimeDeps,
    integrationId: string,
    options: BeginAuthorizationOptions,
  ): Promise<AuthorizationStart>
  /** Completes a redirect flow from the provider's callback parameters. */
  complete?(
    deps: RuntimeDeps,
    integrationId: string,
    params: URLSearchParams,
    options: CompleteAuthorizationOptions,
  ): Promise<AuthorizationResult>
  /** Capabilities every connector of the scheme gets (the OAuth module's, for OAuth 2). */
  capabilities?(
    connector: Connector,
    scheme: S,
    network: { fetch: FetchLike; now: () => number },
  ): Record<string, Capability>
}
