import { describe, expect, it } from 'vitest'
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryDelay,
  retryPolicy,
  sendWithRetries,
} from './retry.js'
import type { AttemptOutcome, RetryEnvironment } from './retry.js'

const NOW = Date.parse('2025-01-01T00:00:00Z')

const outcome = (over: Partial<AttemptOutcome> = {}): AttemptOutcome => ({
  method: 'GET',
  status: 503,
  retryAfter: null,
  retries: 0,
  elapsedMs: 0,
  replayable: true,
  ...over,
})

describe('parseRetryAfter', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0)
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000)
  })

  it('reads an HTTP-date as the time left until it, and a past date as now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', NOW)).toBe(5000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', NOW)).toBe(0)
  })

  it('ignores what is neither', () => {
    for (const value of [null, undefined, '', '-1', '1.5', 'soon', 'Not a date at all']) {
      expect(parseRetryAfter(value, NOW), String(value)).toBeUndefined()
    }
  })
})

describe('backoffDelay', () => {
  it('waits a random share of a ceiling that doubles up to the maximum', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 })
    expect(backoffDelay(0, policy, 0.5)).toBe(50)
    expect(backoffDelay(2, policy, 0.5)).toBe(200)
    expect(backoffDelay(10, policy, 0.999)).toBe(999)
    expect(backoffDelay(3, policy, 0)).toBe(0)
  })
})

describe('retryDelay', () => {
  const at = { nowMs: NOW, random: 0.5 }

  it('retries idempotent methods on 429, 502, 503 and 504 only', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'get']) {
      expect(retryDelay(outcome({ method }), DEFAULT_RETRY_POLICY, at), method).not.toBeNull()
    }
    for (const method of ['POST', 'PATCH']) {
      expect(retryDelay(outcome({ method }), DEFAULT_RETRY_POLICY, at), method).toBeNull()
    }
    for (const status of [429, 502, 503, 504]) {
      expect(retryDelay(outcome({ status }), DEFAULT_RETRY_POLICY, at)).not.toBeNull()
    }
    for (const status of [200, 400, 401, 404, 500, 501]) {
      expect(retryDelay(outcome({ status }), DEFAULT_RETRY_POLICY, at)).toBeNull()
    }
  })

  it('honours Retry-After over the backoff', () => {
    expect(retryDelay(outcome({ retryAfter: '2' }), DEFAULT_RETRY_POLICY, at)).toBe(2000)
  })

  it('stops after the configured retries', () => {
    const policy = retryPolicy({ retries: 2 })
    expect(retryDelay(outcome({ retries: 1 }), policy, at)).not.toBeNull()
    expect(retryDelay(outcome({ retries: 2 }), policy, at)).toBeNull()
  })

  it('returns the answer now when the wait would end past the time budget', () => {
    const policy = retryPolicy({ maxTotalMs: 10_000 })
    expect(retryDelay(outcome({ retryAfter: '11' }), policy, at)).toBeNull()
    expect(retryDelay(outcome({ retryAfter: '5', elapsedMs: 6000 }), policy, at)).toBeNull()
    expect(retryDelay(outcome({ retryAfter: '5', elapsedMs: 4000 }), policy, at)).toBe(5000)
  })

  it('never retries a body that cannot be sent again', () => {
    expect(retryDelay(outcome({ replayable: false }), DEFAULT_RETRY_POLICY, at)).toBeNull()
  })
})

describe('retryPolicy', () => {
  it('refuses negative or fractional numbers', () => {
    expect(() => retryPolicy({ retries: -1 })).toThrow(TypeError)
    expect(() => retryPolicy({ maxTotalMs: 1.5 })).toThrow(TypeError)
  })
})

describe('sendWithRetries', () => {
  it('sleeps as decided between attempts and returns the first answer not worth retrying', async () => {
    const slept: number[] = []
    let clock = NOW
    const env: RetryEnvironment = {
      policy: retryPolicy({ baseDelayMs: 100 }),
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms)
        clock += ms
      },
      nowMs: () => clock,
    }
    const answers = [
      new Response('busy', { status: 503, headers: { 'retry-after': '3' } }),
      new Response('busy', { status: 429 }),
      new Response('ok', { status: 200 }),
    ]
    const send = async () => answers.shift()!
    const response = await sendWithRetries(send, { method: 'GET', replayable: true }, env)
    expect(await response.text()).toBe('ok')
    expect(slept).toEqual([3000, 100])
  })
})
