export { confineUrl } from './confine-url.js'
export { authorizedFetchFor, connectionFetchFor } from './connection-fetch.js'
export type { ClientSource, OutgoingRequest, RequestSigner } from './request-signer.js'
export { callProvider, pickValue } from './provider-call.js'
export type { FetchLike, ProviderEnv } from './provider-call.js'
export { errorFromProviderResponse } from './provider-errors.js'
export { DEFAULT_PROVIDER_TIMEOUT_MS, guardProviderFetch } from './provider-network.js'
export { DEFAULT_REPLAY_LIMIT } from './request-body.js'
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  defaultRetryEnvironment,
  parseRetryAfter,
  retryDelay,
  retryPolicy,
} from './retry.js'
export type { AttemptOutcome, RetryEnvironment, RetryPolicy } from './retry.js'
