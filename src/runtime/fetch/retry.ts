import { setTimeout as delay } from 'node:timers/promises'

/** When and how often a request to a provider is sent again after a transient failure. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 turns retrying off. */
  retries: number
  /** Milliseconds from the first attempt after which no retry starts. */
  maxTotalMs: number
  /** The backoff ceiling of the first retry; it doubles with each retry. */
  baseDelayMs: number
  /** The largest backoff ceiling, however many retries came before. */
  maxDelayMs: number
  /** Statuses worth another try. */
  statuses: readonly number[]
  /** Methods that may be sent twice without doing twice what they do (RFC 9110 §9.2.2). */
  methods: readonly string[]
}

/** 3 retries within 30 s on 429/502/503/504, for GET, HEAD, OPTIONS, PUT and DELETE. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  retries: 3,
  maxTotalMs: 30_000,
  baseDelayMs: 300,
  maxDelayMs: 10_000,
  statuses: Object.freeze([429, 502, 503, 504]),
  methods: Object.freeze(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']),
})

/**
 * A complete policy from a partial one, checked.
 * @throws TypeError on a negative or non-integer count or duration
 */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides }
  for (const key of ['retries', 'maxTotalMs', 'baseDelayMs', 'maxDelayMs'] as const) {
    const value = policy[key]
    if (!Number.isInteger(value) || value < 0) {
      throw new TypeError(`retry.${key} must be a whole number of at least 0, got ${value}`)
    }
  }
  return { ...policy, methods: policy.methods.map((method) => method.toUpperCase()) }
}

/**
 * Reads `Retry-After` as milliseconds to wait: delay-seconds or an HTTP-date (a date in the
 * past means now). Undefined when absent or unreadable.
 * @param nowMs the current time in epoch milliseconds, for dates
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  const text = value?.trim()
  if (!text) return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // Only a date with letters in it: Date.parse also reads bare numbers like "-1" or "1.5".
  if (!/[a-z]/i.test(text)) return undefined
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

/**
 * The backoff before retry number `retry` (0 for the first): "full jitter", a uniformly random
 * wait up to a ceiling that doubles each time, so clients retrying together spread out.
 * @param random a number in [0, 1)
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry)
  return Math.floor(random * ceiling)
}

/** What one answer looked like, for deciding whether to send the request again. */
export interface AttemptOutcome {
  method: string
  status: number
  retryAfter: string | null
  /** Retries made so far. */
  retries: number
  /** Milliseconds since the first attempt started. */
  elapsedMs: number
  /** Whether the request's body can be sent again. */
  replayable: boolean
}

/**
 * Milliseconds to wait before retrying, or null to hand this answer to the caller. A
 * `Retry-After` is honoured as given; when the wait it asks for (or the backoff) would end past
 * the policy's total time, the answer is returned now rather than after a wait that cannot help.
 */
export function retryDelay(
  outcome: AttemptOutcome,
  policy: RetryPolicy,
  at: { nowMs: number; random: number },
): number | null {
  if (!outcome.replayable || outcome.retries >= policy.retries) return null
  if (!policy.methods.includes(outcome.method.toUpperCase())) return null
  if (!policy.statuses.includes(outcome.status)) return null
  const wait =
    parseRetryAfter(outcome.retryAfter, at.nowMs) ??
    backoffDelay(outcome.retries, policy, at.random)
  if (outcome.elapsedMs + wait > policy.maxTotalMs) return null
  return wait
}

/** What the retry loop needs from the world, injected so tests and callers can choose. */
export interface RetryEnvironment {
  policy: RetryPolicy
  /** A number in [0, 1). */
  random: () => number
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Epoch milliseconds. */
  nowMs: () => number
}

/** The real world: Math.random, timers and the wall clock. */
export function defaultRetryEnvironment(policy: Partial<RetryPolicy> = {}): RetryEnvironment {
  return {
    policy: retryPolicy(policy),
    random: Math.random,
    sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
    nowMs: Date.now,
  }
}

/** What the retry loop reads of an answer: its status and `Retry-After`, and how to drop it. */
export interface RetryableAnswer {
  status: number
  retryAfter: string | null
  /** Discards the answer's body before the request is sent again. */
  discard(): Promise<unknown>
}

function fetchAnswer(response: Response): RetryableAnswer {
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    discard: async () => response.body?.cancel().catch(() => undefined),
  }
}

/**
 * Sends a request with `send` until the answer is not worth retrying, retries run out, or the
 * time budget would be exceeded; the last answer is returned as it is. The body of an answer
 * that is retried is discarded.
 * @param read what the loop needs of an answer; by default the answer is a fetch `Response`
 */
export async function sendWithRetries<T = Response>(
  send: () => Promise<T>,
  request: { method: string; replayable: boolean; signal?: AbortSignal | null },
  env: RetryEnvironment,
  read: (answer: T) => RetryableAnswer = fetchAnswer as unknown as (answer: T) => RetryableAnswer,
): Promise<T> {
  const started = env.nowMs()
  for (let retries = 0; ; retries += 1) {
    const response = await send()
    const answer = read(response)
    const now = env.nowMs()
    const wait = retryDelay(
      {
        method: request.method,
        status: answer.status,
        retryAfter: answer.retryAfter,
        retries,
        elapsedMs: now - started,
        replayable: request.replayable,
      },
      env.policy,
      { nowMs: now, random: env.random() },
    )
    if (wait === null) return response
    await answer.discard()
    await env.sleep(wait, request.signal ?? undefined)
  }
}
