import { isPatchbayError } from '../../errors.js'
import type { JsonValue, PatchbayErrorCode } from '../../errors.js'
import type { PageInfo } from '../../kit/index.js'
import { redactText } from '../redact.js'

/** The Lumos envelope of a successful call. */
export interface SuccessEnvelope {
  response: JsonValue
  page: PageInfo | null
  error: null
}

export interface EnvelopeError {
  message: string
  code: PatchbayErrorCode
  app_error_code: string | null
  status_code: number
  raised_by: string
  raised_in: string
  details?: { [key: string]: JsonValue }
}

/** The Lumos envelope of a failed call. */
export interface ErrorEnvelope {
  response: null
  error: EnvelopeError
}

export type Envelope = SuccessEnvelope | ErrorEnvelope

/**
 * Turns any thrown value into an error envelope. Unknown errors become `internal`; every message
 * is scrubbed of the given secrets, so a connector's own message cannot leak a token.
 */
export function errorEnvelope(
  error: unknown,
  raisedIn: string,
  secrets: readonly string[] = [],
): ErrorEnvelope {
  if (isPatchbayError(error)) {
    return {
      response: null,
      error: {
        message: redactText(error.message, secrets),
        code: error.code,
        app_error_code: error.appErrorCode ?? null,
        status_code: error.status,
        raised_by: error.raisedBy ?? error.name,
        raised_in: raisedIn,
        ...(error.details
          ? { details: JSON.parse(redactText(JSON.stringify(error.details), secrets)) }
          : {}),
      },
    }
  }
  const raisedBy = error instanceof Error ? error.constructor.name : typeof error
  const message = error instanceof Error ? error.message : String(error)
  return {
    response: null,
    error: {
      message: redactText(message, secrets),
      code: 'internal',
      app_error_code: null,
      status_code: 500,
      raised_by: raisedBy,
      raised_in: raisedIn,
    },
  }
}
