export { buildDiscoveryRequest, readIssuerMetadata, requireFlowEndpoints } from './discovery.js'
export type { OidcIssuerMetadata, OidcProviderMetadata } from './discovery.js'
export { checkIdTokenClaims, ID_TOKEN_ALGORITHMS, idTokenAlgorithms } from './id-token.js'
