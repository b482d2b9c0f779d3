export { bindOidc } from './oidc.js'
export { createOidcDiscovery } from './oidc-discovery.js'
export type { KeySetOptions, OidcDiscovery } from './oidc-discovery.js'
