import { createHash } from 'node:crypto'
import type { JsonObject } from '../../kit/index.js'

/** How long refreshing pauses after failures: `baseMs`, doubling per failure, up to `maxMs`. */
export interface CooldownPolicy {
  baseMs: number
  maxMs: number
}

const DEFAULT_COOLDOWN: CooldownPolicy = { baseMs: 1_000, maxMs: 300_000 }

interface Failure {
  error: unknown
  failures: number
  untilMs: number
  /** Which credentials failed: new ones (a re-authorization) end the cooldown. */
  credentials: string
}

/** What {@link RefreshCooldown.check} reports while a connection is cooling down. */
export interface CoolingDown {
  error: unknown
  failures: number
  untilMs: number
}

/**
 * Remembers failed refreshes per connection, in this process, so that for a while after one
 * callers get its error at once instead of each sending a new token request (issue 8 item 7).
 * Each further failure doubles the pause; a success or new credentials end it.
 */
export function createRefreshCooldown(policy: CooldownPolicy = DEFAULT_COOLDOWN) {
  const failures = new Map<string, Failure>()

  return {
    /** The pending failure of a connection at `nowMs`, or null when a refresh may be tried. */
    check(id: string, credentials: JsonObject, nowMs: number): CoolingDown | null {
      const failure = failures.get(id)
      if (!failure) return null
      if (failure.credentials !== fingerprint(credentials)) {
        failures.delete(id)
        return null
      }
      if (nowMs >= failure.untilMs) return null
      return { error: failure.error, failures: failure.failures, untilMs: failure.untilMs }
    },
    /** Records a failed refresh; returns when the next may be tried (epoch ms). */
    failed(id: string, credentials: JsonObject, error: unknown, nowMs: number): number {
      const previous = failures.get(id)
      const key = fingerprint(credentials)
      const count = previous && previous.credentials === key ? previous.failures + 1 : 1
      const pause = Math.min(policy.maxMs, policy.baseMs * 2 ** (count - 1))
      failures.set(id, { error, failures: count, untilMs: nowMs + pause, credentials: key })
      return nowMs + pause
    },
    succeeded(id: string): void {
      failures.delete(id)
    },
  }
}

export type RefreshCooldown = ReturnType<typeof createRefreshCooldown>

function fingerprint(credentials: JsonObject): string {
  return createHash('sha256').update(JSON.stringify(credentials)).digest('base64url')
}
