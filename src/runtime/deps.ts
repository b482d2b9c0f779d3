import type { AuthScheme, JsonObject } from '../kit/index.js'
import type { Store } from '../store/index.js'
import type { CredentialManager } from './credentials/types.js'
import type { RuntimeEvent } from './events.js'
import type { OidcDiscovery } from './oidc/oidc-discovery.js'
import type { FetchLike } from './fetch/fetch-like.js'
import type { ForwardTransport } from './fetch/forward-transport.js'
import type { Registry } from './registry.js'
import type { RetryEnvironment } from './fetch/retry.js'

/** What the runtime's parts share; built once by createPatchbay. */
export interface RuntimeDeps {
  store: Store
  registry: Registry
  fetch: FetchLike
  /** Epoch seconds. */
  now: () => number
  random: (bytes: number) => Uint8Array
  /** Where Patchbay is reached from a browser; callback URLs hang off it. */
  publicUrl: string
  /** Origins a flow may send the user back to, beside `publicUrl`'s own. */
  allowedRedirectOrigins: readonly string[]
  emit: (event: RuntimeEvent) => void
  credentials: CredentialManager
  baseUrlOf: (connectorId: string, settings: JsonObject) => string
  /** OpenID Provider metadata and keys, cached per issuer. */
  oidc: OidcDiscovery
  /** How `connection(id).fetch` and the proxy retry transient failures. */
  retry: RetryEnvironment
  /** Bytes of a streamed request body held so the request can be replayed. */
  replayLimit: number
  /**
   * Whether credentials of a scheme can be renewed without the user (its record's `canRenew`),
   * stored beside them for the refresh-due index; given here so that code the scheme records
   * import (finishing a connection) need not import them back.
   */
  canRenew: (scheme: AuthScheme, credentials: JsonObject) => boolean
  /** How the proxy's requests reach providers (`connection(id).forward`). */
  forward: ForwardTransport
}
