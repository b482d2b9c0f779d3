import { PatchbayError } from '../../errors.js'
import type { ApiKeyScheme, BasicScheme, JsonObject } from '../../kit/index.js'

/**
 * Checks that every required auth field is present and a string, and keeps only declared fields.
 * Used for API keys and passwords alike.
 * @throws PatchbayError `bad_request` naming the missing field (`auth.apiKey`)
 */
export function readAuthFields(scheme: ApiKeyScheme | BasicScheme, input: JsonObject): JsonObject {
  const out: JsonObject = {}
  const problems: string[] = []
  for (const [name, field] of Object.entries(scheme.fields)) {
    const value = input[name]
    if (value === undefined || value === null || value === '') {
      if (field.required) problems.push(`auth.${name}: required`)
      continue
    }
    if (typeof value !== 'string') {
      problems.push(`auth.${name}: must be a string`)
      continue
    }
    if (field.options && !field.options.some((option) => option.value === value)) {
      problems.push(`auth.${name}: must be one of ${field.options.map((o) => o.value).join(', ')}`)
      continue
    }
    // RFC 7617 forbids ":" in a Basic user-id; refuse it here rather than on every later request.
    if (scheme.type === 'basic' && !scheme.login && name === 'username' && value.includes(':')) {
      problems.push('auth.username: cannot contain ":"')
      continue
    }
    out[name] = value
  }
  if (problems.length > 0) {
    throw new PatchbayError('bad_request', `Invalid auth: ${problems.join('; ')}`, {
      details: { problems },
    })
  }
  return out
}
