import type { SandboxState } from './state.js'

/** How long a request token waits for the user and the exchange, in milliseconds. */
export const REQUEST_TOKEN_TTL_MS = 10 * 60_000

/** How far a request's `oauth_timestamp` may be from the sandbox clock, in seconds. */
export const TIMESTAMP_WINDOW_SECONDS = 300

/** Temporary credentials: issued to one consumer, authorized (with a verifier) at most once. */
interface RequestTokenRecord {
  consumerKey: string
  secret: string
  /** Where the user is sent back; `oob` shows the verifier instead. */
  callback: string
  expiresAt: number
  /** Set when the user approves; the exchange must present it. */
  verifier?: string
}

/** Token credentials: one consumer's access to the sandbox user, until revoked. */
export interface AccessTokenRecord {
  consumerKey: string
  secret: string
}

/** What the OAuth 1.0a server remembers, beside the OAuth 2 state. */
export interface OAuth1State {
  requestTokens: Map<string, RequestTokenRecord>
  accessTokens: Map<string, AccessTokenRecord>
  /** Access tokens revoked through `/oauth1/invalidate_token`, to answer `token_revoked`. */
  revoked: Set<string>
  /** `consumer&token&timestamp&nonce` seen, with when they may be forgotten (ms). */
  nonces: Map<string, number>
}

const states = new WeakMap<SandboxState, OAuth1State>()

/** The OAuth 1 state that belongs to one running sandbox, created on first use. */
export function oauth1StateOf(state: SandboxState): OAuth1State {
  let found = states.get(state)
  if (!found) {
    found = {
      requestTokens: new Map(),
      accessTokens: new Map(),
      revoked: new Set(),
      nonces: new Map(),
    }
    states.set(state, found)
  }
  return found
}
