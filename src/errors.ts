/** Every error code Patchbay reports, on every surface (library, CLI envelope, HTTP body). */
export const ERROR_CODES = [
  'bad_request',
  'invalid_config',
  'invalid_response',
  'unauthorized',
  'auth_code_invalid',
  'state_mismatch',
  'needs_reauth',
  'rate_limited',
  'provider_error',
  'timeout',
  'not_found',
  'not_implemented',
  'template_not_found',
  'store_unavailable',
  'internal',
] as const

export type PatchbayErrorCode = (typeof ERROR_CODES)[number]

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue }

export interface PatchbayErrorOptions {
  cause?: unknown
  /** Safe, non-secret facts: the provider's `error`, `error_description`, HTTP status, a field path. */
  details?: Readonly<Record<string, JsonValue>>
  /** A connector-specific code such as `github.org_not_found`. */
  appErrorCode?: string
  /** The HTTP status the failure maps to, when the default for the code is not right. */
  status?: number
  /** The class of the error this one stands for (a connector's own, mapped by a handler). */
  raisedBy?: string
}

const DEFAULT_STATUS: Record<PatchbayErrorCode, number> = {
  bad_request: 400,
  invalid_config: 400,
  invalid_response: 502,
  unauthorized: 401,
  auth_code_invalid: 400,
  state_mismatch: 400,
  needs_reauth: 409,
  rate_limited: 429,
  provider_error: 502,
  timeout: 504,
  not_found: 404,
  not_implemented: 501,
  template_not_found: 400,
  store_unavailable: 503,
  internal: 500,
}

/** The one error class Patchbay throws for run-time failures; `code` says what happened. */
export class PatchbayError extends Error {
  readonly code: PatchbayErrorCode
  readonly details?: Readonly<Record<string, JsonValue>>
  readonly appErrorCode?: string
  readonly status: number
  readonly raisedBy?: string

  constructor(code: PatchbayErrorCode, message: string, options: PatchbayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PatchbayError'
    this.code = code
    if (options.details) this.details = options.details
    if (options.appErrorCode) this.appErrorCode = options.appErrorCode
    this.status = options.status ?? DEFAULT_STATUS[code]
    if (options.raisedBy) this.raisedBy = options.raisedBy
  }
}

/** True when `e` is a PatchbayError (optionally with `code`), even across copies of the package. */
export function isPatchbayError(e: unknown, code?: PatchbayErrorCode): e is PatchbayError {
  if (typeof e !== 'object' || e === null) return false
  const candidate = e as { name?: unknown; code?: unknown }
  if (candidate.name !== 'PatchbayError' || typeof candidate.code !== 'string') return false
  return code === undefined || candidate.code === code
}

/** The HTTP status an error code maps to by default. */
export function statusForCode(code: PatchbayErrorCode): number {
  return DEFAULT_STATUS[code]
}
