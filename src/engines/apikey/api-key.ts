import { snakeCase } from '../../common/index.js'
import { PatchbayError } from '../../errors.js'
import type { ApiKeyScheme, BasicScheme, JsonObject } from '../../kit/index.js'

export interface ReadAuthFieldsOptions {
  /** A scheme's own rule for one present string value: the problem in words, or undefined. */
  check?: (name: string, value: string) => string | undefined
}

/**
 * Checks that every required auth field is present and a string, and keeps only declared fields.
 * Used for API keys and passwords alike.
 * @throws PatchbayError `bad_request` naming the missing field as the wire spells it (`auth.api_key`)
 */
export function readAuthFields(
  scheme: ApiKeyScheme | BasicScheme,
  input: JsonObject,
  options: ReadAuthFieldsOptions = {},
): JsonObject {
  const out: JsonObject = {}
  const problems: string[] = []
  for (const [name, field] of Object.entries(scheme.fields)) {
    const value = input[name]
    const wireName = snakeCase(name)
    if (value === undefined || value === null || value === '') {
      if (field.required) problems.push(`auth.${wireName}: required`)
      continue
    }
    if (typeof value !== 'string') {
      problems.push(`auth.${wireName}: must be a string`)
      continue
    }
    if (field.options && !field.options.some((option) => option.value === value)) {
      problems.push(`auth.${wireName}: must be one of ${field.options.map((o) => o.value).join(', ')}`)
      continue
    }
    const refusal = options.check?.(name, value)
    if (refusal) {
      problems.push(`auth.${wireName}: ${refusal}`)
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
