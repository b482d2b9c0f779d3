import { createHash, randomBytes } from 'node:crypto'
import type { OperatorSessionStore } from '../../store/index.js'

/** How long a dashboard session lasts from sign-in, whatever its use (8 hours). */
export const OPERATOR_SESSION_SECONDS = 8 * 3600

/** A signed-in operator, as a session token stands for. */
export interface OperatorSessionView {
  callerId: string
  expiresAt: number
}

/**
 * `patchbay.operatorSessions`: the dashboard's sign-in sessions. The token is 256 random bits
 * handed to the browser once; the store keeps only its SHA-256, so a copy of the database opens
 * no session.
 */
export interface OperatorSessionService {
  /** Opens a session for an authenticated caller; `token` goes into the cookie and nowhere else. */
  open(callerId: string): Promise<{ token: string; expiresAt: number }>
  /** The live session a token stands for, or null (unknown, expired or signed out). */
  find(token: string): Promise<OperatorSessionView | null>
  /** Signs out: the token opens nothing from now on. */
  close(token: string): Promise<boolean>
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** The session service over a store, on the runtime's clock (epoch seconds). */
export function createOperatorSessionService(
  deps: { store: OperatorSessionStore; now: () => number },
  lifetimeSeconds = OPERATOR_SESSION_SECONDS,
): OperatorSessionService {
  const { store, now } = deps
  return {
    async open(callerId) {
      const token = randomBytes(32).toString('base64url')
      const createdAt = now()
      const expiresAt = createdAt + lifetimeSeconds
      await store.createOperatorSession({ tokenHash: digest(token), callerId, createdAt, expiresAt })
      return { token, expiresAt }
    },
    async find(token) {
      if (token === '') return null
      const session = await store.findOperatorSession(digest(token), now())
      return session ? { callerId: session.callerId, expiresAt: session.expiresAt } : null
    },
    close: (token) => store.deleteOperatorSession(digest(token)),
  }
}
