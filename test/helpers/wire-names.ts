/**
 * Finds the JSON keys that are not snake_case in what Patchbay wrote, by path
 * (`connectors[0].logoUrl`), skipping the places whose names Patchbay does not own.
 */
const SNAKE = /^[a-z0-9]+(_[a-z0-9]+)*$/

/**
 * Keys whose values Patchbay passes through as it got them, so their names are not Patchbay's:
 * the provider's token response and profile, a capability's response, a connection's declared
 * settings, and JSON Schema (whose keywords are `additionalProperties`, `minLength`…).
 */
export const FOREIGN_KEYS: ReadonlySet<string> = new Set(['raw', 'profile', 'response', 'settings', 'request'])

/** JSON Schema's own keywords, as `info` and the OpenAPI document must spell them. */
const JSON_SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema', '$ref', '$defs', '$id', 'additionalProperties', 'patternProperties', 'propertyNames',
  'unevaluatedProperties', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'anyOf', 'oneOf', 'allOf', 'readOnly', 'writeOnly', 'contentEncoding', 'contentMediaType',
  'dependentRequired', 'dependentSchemas', 'prefixItems',
])

/** Besides snake_case: JSON Schema keywords, and the `x-` extensions our schemas carry. */
export function allowedName(key: string): boolean {
  return SNAKE.test(key) || JSON_SCHEMA_KEYWORDS.has(key) || key.startsWith('x-')
}

export function nonSnakeKeys(value: unknown, options: { foreign?: ReadonlySet<string> } = {}, path = ''): string[] {
  const foreign = options.foreign ?? FOREIGN_KEYS
  if (Array.isArray(value)) return value.flatMap((item, i) => nonSnakeKeys(item, options, `${path}[${i}]`))
  if (value === null || typeof value !== 'object') return []
  const found: string[] = []
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key
    if (!allowedName(key)) found.push(at)
    if (foreign.has(key)) continue
    found.push(...nonSnakeKeys(item, options, at))
  }
  return found
}
