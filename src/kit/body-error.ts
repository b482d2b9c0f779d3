import { PatchbayError } from '../errors.js'
import type { JsonValue, PatchbayErrorCode } from '../errors.js'
import { getPath } from '../common/index.js'

/**
 * How a provider that answers a failure with a 2xx status says so in the body: Slack's
 * `200 {"ok": false, "error": "invalid_auth"}`, a GraphQL `200 {"errors": [...]}`. Declared as
 * `auth.bodyError` and checked on every answer of `validate` and `profile` requests.
 */
export interface BodyErrorSpec {
  /** Dot path of the field that tells (`ok`, `errors`). */
  when: string
  /**
   * The value of `when` that means a failure (`false` for Slack's `ok`). Absent: any value but
   * `null`, `false`, `""` or an empty list means a failure (a GraphQL `errors` list).
   */
  equals?: JsonValue
  /** Dot path of the provider's error code (`error`, `errors.0.extensions.code`). */
  error?: string
  /** The provider's error codes mapped to Patchbay's; any other is `provider_error`. */
  codes?: Record<string, PatchbayErrorCode>
}

function isEmpty(value: JsonValue | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    value === false ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  )
}

function sameJson(a: JsonValue | undefined, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * The error a 2xx body declares under `spec`, or undefined when the body is a success: coded by
 * `spec.codes` (else `provider_error`), the provider's own code in `details.error`.
 * @param where the request, `GET https://slack.com/api/auth.test`, named in the message
 */
export function errorFromBody(
  spec: BodyErrorSpec,
  body: JsonValue | string | null,
  where: string,
): PatchbayError | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const flag = getPath(body, spec.when) as JsonValue | undefined
  const failed = spec.equals === undefined ? !isEmpty(flag) : sameJson(flag, spec.equals)
  if (!failed) return undefined
  const said = spec.error === undefined ? undefined : getPath(body, spec.error)
  const providerCode = typeof said === 'string' && said !== '' ? said.slice(0, 100) : undefined
  const code = (providerCode && spec.codes?.[providerCode]) || 'provider_error'
  return new PatchbayError(
    code,
    `${where} answered with an error in its body${providerCode ? `: ${providerCode}` : ''}`,
    { details: providerCode ? { error: providerCode } : {} },
  )
}

