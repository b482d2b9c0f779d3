import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { isJsonObject } from '../../kit/index.js'
import type { JsonObject } from '../../kit/index.js'

/** The fields under `auth[key]` when a caller wraps them as Lumos does (`{"oauth": {...}}`). */
export function unwrap(auth: JsonObject, key: string): JsonObject {
  const inner = auth[key]
  return isJsonObject(inner) ? inner : auth
}

/** A non-empty string, or undefined. */
export function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** The refusal of an import whose credentials only a provider request can produce. */
export function needsRoundTrip(why: string): PatchbayError {
  const problem = `auth: cannot be imported (${why}); create this connection with POST /connections`
  return new PatchbayError('bad_request', problem, { details: { problems: [problem] } })
}
