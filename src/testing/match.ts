import { isDeepStrictEqual } from 'node:util'
import type { RecordedJson, RecordedRequest } from './exchange.js'

/** The request as the replay server saw it: its original URL restored. */
export interface ArrivedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

/** The URL in one spelling, so `https://API.github.com:443/user` matches `https://api.github.com/user`. */
function normalUrl(url: string): string {
  try {
    return new URL(url).href
  } catch {
    return url
  }
}

/** A body read the way the recording wrote it: JSON, or a form as an object of strings. */
function bodyValue(text: string, contentType: string): unknown {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text))
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/**
 * Why an arrived request is not the recorded one, or undefined when it is: method, full URL,
 * each recorded header value, and the body when recorded.
 */
export function mismatch(expected: RecordedRequest, arrived: ArrivedRequest): string | undefined {
  if (expected.method.toUpperCase() !== arrived.method.toUpperCase()) {
    return `expected ${expected.method.toUpperCase()} ${expected.url}`
  }
  if (normalUrl(expected.url) !== normalUrl(arrived.url)) {
    return `expected ${expected.method.toUpperCase()} ${expected.url}`
  }
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const got = arrived.headers[name.toLowerCase()]
    // The value itself is not echoed: a recorded header is often a credential.
    if (got !== value) return `header ${name.toLowerCase()} ${got === undefined ? 'missing' : 'differs'}`
  }
  if (expected.body !== undefined && !bodyMatches(expected.body, arrived)) {
    return 'body differs'
  }
  return undefined
}

function bodyMatches(expected: RecordedJson, arrived: ArrivedRequest): boolean {
  if (typeof expected === 'string') return arrived.body === expected
  return isDeepStrictEqual(bodyValue(arrived.body, arrived.headers['content-type'] ?? ''), expected)
}
