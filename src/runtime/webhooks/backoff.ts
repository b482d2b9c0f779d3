/** How often and how patiently a delivery is retried. */
export interface WebhookRetryPolicy {
  /** Attempts before giving up, the first included. */
  maxAttempts: number
  /** The wait after the first failure; each later wait doubles. */
  baseDelayMs: number
  /** No wait is longer than this. */
  maxDelayMs: number
}

/** Eight attempts over about twenty minutes, then an hour apart at most. */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 10_000,
  maxDelayMs: 3_600_000,
}

/**
 * The wait before the next attempt after `failures` failed ones: exponential, capped, with up to
 * 20% jitter taken off so endpoints coming back up are not hit by every sender at once; null once
 * the attempts are used up.
 * @param random a number in [0, 1)
 */
export function nextRetryDelay(
  failures: number,
  policy: WebhookRetryPolicy,
  random: number,
): number | null {
  if (failures >= policy.maxAttempts) return null
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, failures - 1)
  const capped = Math.min(policy.maxDelayMs, exponential)
  return Math.round(capped * (1 - 0.2 * random))
}
