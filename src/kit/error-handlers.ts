import { ERROR_CODES, isPatchbayError, PatchbayError } from '../errors.js'
import type { PatchbayErrorCode } from '../errors.js'

/** What a handler turns an error into: the envelope's code, app code, message and status. */
export interface ErrorMapping {
  /** A Patchbay error code; `provider_error` when absent. */
  code?: PatchbayErrorCode
  /** The connector's own code, e.g. `acme.quota_exceeded`. */
  appErrorCode?: string
  /** A message safe to show; the error's own message when absent. */
  message?: string
  /** The HTTP status the call fails with; the code's default when absent. */
  statusCode?: number
}

type ErrorClass = abstract new (...args: any[]) => unknown

/** Maps the errors it matches (by class, or by a predicate) to an envelope error. */
export interface ErrorHandler<E = any> {
  match: ErrorClass | ((error: unknown) => boolean)
  handle: (error: E) => ErrorMapping
}

/** A handler for one error class, typed. */
export function errorHandler<E>(match: abstract new (...args: any[]) => E, handle: (error: E) => ErrorMapping): ErrorHandler<E> {
  return { match, handle }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

const asStatus = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599 ? value : undefined

/**
 * The HTTP status an error carries, the way HTTP clients attach it: a thrown `Response`, or
 * `status`, `statusCode` or `response.status` on the error (fetch wrappers, axios, got, ky).
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof Response) return error.status
  if (!isRecord(error)) return undefined
  const response = isRecord(error['response']) ? error['response'] : undefined
  return asStatus(error['status']) ?? asStatus(error['statusCode']) ?? asStatus(response?.['status'])
}

/** The Patchbay code of a provider's HTTP status. */
export function codeForHttpStatus(status: number): PatchbayErrorCode {
  if (status === 401 || status === 403) return 'unauthorized'
  if (status === 404) return 'not_found'
  if (status === 429) return 'rate_limited'
  if (status === 408 || status === 504) return 'timeout'
  return 'provider_error'
}

/** The default handler: an error carrying an HTTP status becomes the code for that status. */
export const httpErrorHandler: ErrorHandler = {
  match: (error) => httpStatusOf(error) !== undefined,
  handle: (error) => {
    const status = httpStatusOf(error) as number
    return { code: codeForHttpStatus(status), statusCode: status, message: `The provider answered HTTP ${status}` }
  },
}

function matches(handler: ErrorHandler, error: unknown): boolean {
  const { match } = handler
  if (match.prototype !== undefined) {
    if (error instanceof (match as ErrorClass)) return true
    // A class that did not match; anything else with a prototype may still be a predicate.
    if (/^class[\s{]/.test(Function.prototype.toString.call(match))) return false
  }
  try {
    return (match as (error: unknown) => unknown)(error) === true
  } catch {
    return false
  }
}

const nameOf = (error: unknown): string =>
  error instanceof Error ? error.constructor.name || error.name : error instanceof Response ? 'Response' : typeof error

/**
 * Runs a connector's handlers, then the default HTTP handler, over an error a capability threw.
 * Patchbay's own errors pass through; an error no handler takes is returned as it is (it becomes
 * `internal`). The result names the original class (`raised_by`), never carries its stack.
 */
export function applyErrorHandlers(handlers: readonly ErrorHandler[], error: unknown): unknown {
  if (isPatchbayError(error)) return error
  for (const handler of [...handlers, httpErrorHandler]) {
    if (!matches(handler, error)) continue
    let mapping: ErrorMapping
    try {
      mapping = handler.handle(error)
    } catch {
      continue
    }
    const code = mapping.code && (ERROR_CODES as readonly string[]).includes(mapping.code) ? mapping.code : 'provider_error'
    const message = mapping.message ?? (error instanceof Error ? error.message : `${nameOf(error)} was thrown`)
    return new PatchbayError(code, message, {
      ...(mapping.appErrorCode ? { appErrorCode: mapping.appErrorCode } : {}),
      ...(asStatus(mapping.statusCode) ? { status: mapping.statusCode as number } : {}),
      raisedBy: nameOf(error),
    })
  }
  return error
}
