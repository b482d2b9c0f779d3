import { z } from 'zod'

type Schema = { [key: string]: unknown }

/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) for a zod schema, with its `$defs` moved
 * into `components.schemas` under a prefix so `$ref`s resolve from the document root.
 */
export function componentSchema(schema: z.ZodType, prefix: string, components: Record<string, Schema>): Schema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' }) as Schema
  delete json['$schema']
  const defs = (json['$defs'] ?? {}) as Record<string, Schema>
  delete json['$defs']
  const rename = (name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '')}`
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite)
    if (value && typeof value === 'object') {
      const out: Schema = {}
      for (const [key, item] of Object.entries(value)) {
        out[key] =
          key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')
            ? `#/components/schemas/${rename(item.slice('#/$defs/'.length))}`
            : rewrite(item)
      }
      return out
    }
    return value
  }
  for (const [name, def] of Object.entries(defs)) components[rename(name)] = rewrite(def) as Schema
  return rewrite(json) as Schema
}
