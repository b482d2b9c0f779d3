import { z } from 'zod'
import { liftSchemaDefs } from '../../kit/index.js'

type Schema = { [key: string]: unknown }

/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) for a zod schema, with its `$defs` moved
 * into `components.schemas` under a prefix so `$ref`s resolve from the document root.
 */
export function componentSchema(schema: z.ZodType, prefix: string, components: Record<string, Schema>): Schema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' }) as Schema
  return liftSchemaDefs(json, prefix, components)
}
