import { z } from 'zod'
import type { JsonObject } from './types.js'

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Turns a declaration's settings JSON Schema into the zod schema that checks settings. zod reads
 * a property with both `enum` and `pattern` as the enum alone, dropping the pattern from the
 * check and from the JSON Schema `info` publishes and the URL policy reads (a dotted region such
 * as `eu.west` in a host needs its pattern there). Such properties get the pattern back: checked,
 * and kept in their metadata.
 * @throws Error when the schema is not usable (the caller reports it as `invalid_config`)
 */
export function settingsFromJsonSchema(schema: Record<string, unknown>): z.ZodType<JsonObject> {
  const base = z.fromJSONSchema(schema as never) as z.ZodType<JsonObject>
  const properties = isObject(schema['properties']) ? schema['properties'] : {}
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].map(String) : [])
  const patterned = Object.entries(properties).filter(
    (entry): entry is [string, Record<string, unknown> & { pattern: string }] =>
      isObject(entry[1]) && Array.isArray(entry[1]['enum']) && typeof entry[1]['pattern'] === 'string',
  )
  if (patterned.length === 0 || !(base instanceof z.ZodObject)) return base
  const shape: Record<string, z.ZodType> = {}
  for (const [name, property] of patterned) {
    const { pattern, ...rest } = property
    const regex = new RegExp(pattern, 'u')
    let checked: z.ZodType = z
      .fromJSONSchema(rest as never)
      .refine((value) => typeof value !== 'string' || regex.test(value), {
        message: `must match the pattern ${pattern}`,
      })
    checked = checked.meta({ ...(checked.meta() ?? {}), pattern })
    shape[name] = required.has(name) ? checked : checked.optional()
  }
  return base.extend(shape) as unknown as z.ZodType<JsonObject>
}
