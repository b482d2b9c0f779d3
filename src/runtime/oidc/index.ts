export { bindOidc } from './oidc.js'
export { createOidcDiscovery } from './oidc-discovery.js'
export type { OidcDiscovery } from './oidc-discovery.js'
