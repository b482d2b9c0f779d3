import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { isJsonObject, snakeCase } from '../../kit/index.js'
import type { AuthField, JsonObject } from '../../kit/index.js'

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

/**
 * Auth input under the names a scheme declares: a field declared `apiKey` arrives from the wire
 * as `api_key` (issue 13) and is stored, and templated, as `apiKey`. The declared spelling is
 * read too, as TypeScript callers write it.
 */
export function byDeclaredNames(fields: Readonly<Record<string, AuthField>>, auth: JsonObject): JsonObject {
  const named: JsonObject = { ...auth }
  for (const name of Object.keys(fields)) {
    const wireName = snakeCase(name)
    if (wireName === name || named[name] !== undefined || named[wireName] === undefined) continue
    named[name] = named[wireName] as JsonObject[string]
    delete named[wireName]
  }
  return named
}
