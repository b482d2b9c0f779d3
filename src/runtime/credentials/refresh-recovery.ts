import { setTimeout as sleep } from 'node:timers/promises'
import { isPatchbayError } from '../../errors.js'
import type { ConnectionStore, RefreshLeaseStore } from '../../store/index.js'

/** What a recovery pass did, connection by connection. */
export interface RecoveryReport {
  /** Connections whose interrupted refresh was retried and stored. */
  recovered: string[]
  /** Connections the retry left needing the user (the provider refused the previous token). */
  needsReauth: string[]
  /** Connections whose retry failed otherwise; they are retried on next use. */
  failed: string[]
}

export interface RecoveryOptions {
  store: ConnectionStore & RefreshLeaseStore
  /** Refreshes one connection (through the lease and the single flight). */
  renew: (connectionId: string) => Promise<unknown>
  /** The lease clock, epoch milliseconds. */
  nowMs: () => number
  signal?: AbortSignal
}

/**
 * Finds refresh attempts recorded but never settled, waits for each dead holder's lease to run
 * out, and refreshes those connections again (a connection with a pending attempt is always due).
 */
export async function recoverInterruptedRefreshes(options: RecoveryOptions): Promise<RecoveryReport> {
  const report: RecoveryReport = { recovered: [], needsReauth: [], failed: [] }
  const pending = await options.store.listRefreshAttempts()
  await Promise.all(
    pending.map(async (attempt) => {
      const wait = attempt.leaseUntil === null ? 0 : attempt.leaseUntil - options.nowMs()
      try {
        if (wait > 0) await sleep(wait + 10, undefined, { signal: options.signal, ref: false })
        await options.renew(attempt.connectionId)
        report.recovered.push(attempt.connectionId)
      } catch (error) {
        if (options.signal?.aborted) return
        if (isPatchbayError(error, 'needs_reauth')) report.needsReauth.push(attempt.connectionId)
        else report.failed.push(attempt.connectionId)
      }
    }),
  )
  return report
}
