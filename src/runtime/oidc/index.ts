export { bindOidc } from './oidc.js'
export { createOidcDiscovery, ID_TOKEN_ALGORITHMS } from './oidc-discovery.js'
export type { KeySetOptions, OidcDiscovery } from './oidc-discovery.js'
