import type { ConnectFailure } from './types.js'

/** The error a connect call rejects with: the envelope's `code` and `message`. */
export class PatchbayConnectError extends Error implements ConnectFailure {
  readonly code: string
  constructor(failure: ConnectFailure) {
    super(failure.message)
    this.name = 'PatchbayConnectError'
    this.code = failure.code
  }
}
