export { buildDiscoveryRequest, discoveryUrl, readDiscoveryResponse } from './discovery.js'
export type { OidcProviderMetadata } from './discovery.js'
export { checkIdTokenClaims, ID_TOKEN_ALGORITHMS, idTokenAlgorithms } from './id-token.js'
