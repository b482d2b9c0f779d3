import { AssertionError } from 'node:assert'
import { describe, subsetMismatch } from './subset.js'

/** An envelope's error as the CLI, the HTTP API and the library give it (snake_case). */
export interface EnvelopeErrorShape {
  message: string
  code: string
  app_error_code?: string | null
  status_code?: number
  raised_by?: string
  raised_in?: string
  details?: Record<string, unknown>
}

/** The Lumos envelope, read from any surface: `patchbay call`'s stdout, an HTTP body, a library call. */
export interface EnvelopeShape {
  response: unknown
  page?: unknown
  error: EnvelopeErrorShape | null
}

/** What an envelope assertion may also check. */
export interface EnvelopeErrorExpectation {
  /** A subset of the error: `{ status_code: 401, details: { provider_code: 20003 } }`. */
  error?: Record<string, unknown>
  /** Values that must appear nowhere in the envelope (the credentials the call used). */
  secrets?: readonly string[]
}

function isEnvelope(value: unknown): value is EnvelopeShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    'response' in value &&
    'error' in value &&
    (value.error === null || (typeof value.error === 'object' && typeof (value.error as { code?: unknown }).code === 'string'))
  )
}

function fail(message: string, actual: unknown, expected: unknown, operator: string): never {
  throw new AssertionError({ message, actual, expected, operator })
}

function assertEnvelope(value: unknown, operator: string): asserts value is EnvelopeShape {
  if (!isEnvelope(value)) {
    fail(
      `Expected an envelope {response, page, error}, got ${describe(value)}`,
      value,
      { response: '…', error: '…' },
      operator,
    )
  }
}

/**
 * Asserts that an envelope is a success (no `error`) and, when given, that its `response`
 * contains `response` (objects by the keys given, arrays item by item); returns the response.
 * The failure message names the error the envelope carries instead, or the first field that
 * differs.
 * @example
 * const response = expectEnvelopeOk(await catalog.call('github', 'validate_credentials', input), { valid: true })
 */
export function expectEnvelopeOk(envelope: unknown, response?: unknown): unknown {
  assertEnvelope(envelope, 'expectEnvelopeOk')
  if (envelope.error !== null) {
    const { code, message, raised_in: raisedIn } = envelope.error
    fail(
      `Expected a successful envelope, got error ${code}${raisedIn ? ` in ${raisedIn}` : ''}: ${message}`,
      envelope.error,
      null,
      'expectEnvelopeOk',
    )
  }
  if (response !== undefined) {
    const found = subsetMismatch(envelope.response, response)
    if (found !== undefined) {
      fail(`Envelope response differs at ${found}`, envelope.response, response, 'expectEnvelopeOk')
    }
  }
  return envelope.response
}

/**
 * Asserts that an envelope is an error with this `code` (`unauthorized`, `rate_limited`…), no
 * `response`, the subset `expected.error` of its error, and none of `expected.secrets` anywhere
 * in it; returns the error.
 * @example
 * expectEnvelopeError(envelope, 'unauthorized', { error: { status_code: 401 }, secrets: [token] })
 */
export function expectEnvelopeError(
  envelope: unknown,
  code: string,
  expected: EnvelopeErrorExpectation = {},
): EnvelopeErrorShape {
  assertEnvelope(envelope, 'expectEnvelopeError')
  const { error } = envelope
  if (error === null) {
    fail(
      `Expected an error envelope with code ${code}, got a success: ${describe(envelope.response)}`,
      envelope.response,
      { code },
      'expectEnvelopeError',
    )
  }
  if (error.code !== code) {
    fail(`Expected error code ${code}, got ${error.code}: ${error.message}`, error.code, code, 'expectEnvelopeError')
  }
  if (envelope.response !== null) {
    fail(`An error envelope has response null, got ${describe(envelope.response)}`, envelope.response, null, 'expectEnvelopeError')
  }
  if (expected.error !== undefined) {
    const found = subsetMismatch(error, expected.error)
    if (found !== undefined) fail(`Envelope error differs at ${found}`, error, expected.error, 'expectEnvelopeError')
  }
  const text = JSON.stringify(envelope)
  for (const [index, secret] of (expected.secrets ?? []).entries()) {
    // The secret itself is not repeated in the message: it would leak into the test report.
    if (secret !== '' && text.includes(secret)) {
      fail(`The envelope contains secret #${index + 1} (of ${expected.secrets?.length})`, '(secret found)', '(no secret)', 'expectEnvelopeError')
    }
  }
  return error
}
