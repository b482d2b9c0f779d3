import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { getPath } from '../../kit/index.js'
import type { ResponseErrorsSpec } from '../../kit/index.js'
import { codeForStatus } from './provider-errors.js'

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return true
  if (Array.isArray(value)) return value.length === 0
  if (typeof value === 'object') return Object.keys(value).length === 0
  return false
}

function shortText(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  return value.length > 300 ? `${value.slice(0, 300)}…` : value
}

/**
 * The failure an answer reports in its body (GraphQL's `errors`, even beside a 200), as a
 * PatchbayError coded by the declared code map, else by the status; undefined when the body
 * reports none. Only the first error's message and code are kept: bodies may echo what was sent.
 */
export function errorInBody(
  spec: ResponseErrorsSpec,
  request: { method: string; url: string | URL },
  status: number,
  body: JsonValue | string | null,
): PatchbayError | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const errors = getPath(body, spec.path)
  if (isEmpty(errors)) return undefined
  const first = Array.isArray(errors) ? errors[0] : errors
  const message = shortText(typeof first === 'string' ? first : getPath(first, spec.message ?? 'message'))
  const providerCode = spec.code === undefined ? undefined : getPath(first, spec.code)
  const codeText = typeof providerCode === 'string' || typeof providerCode === 'number' ? String(providerCode) : undefined
  const mapped = codeText === undefined ? undefined : spec.codes?.[codeText]
  const ok = status >= 200 && status < 300
  const code = mapped ?? (ok ? 'provider_error' : codeForStatus(status))
  const where = new URL(request.url)
  return new PatchbayError(
    code,
    `${request.method} ${where.origin}${where.pathname} answered ${status} with an error${message ? `: ${message}` : ''}`,
    {
      details: {
        status,
        ...(message ? { message } : {}),
        ...(codeText ? { error: codeText } : {}),
      },
      ...(code === 'provider_error' || status >= 500 ? { status: 502 } : ok ? {} : { status }),
    },
  )
}
