import { z } from 'zod'
import { requestSpecSchema } from './request-spec-schema.js'

const name = z.string().min(1)
const dotPath = z.string().min(1)
const endings = { totalPath: dotPath.optional(), hasMorePath: dotPath.optional() }

/** The four ways providers page a list (see `DeclaredPagination`). */
const paginationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cursor'), cursorParam: name, nextCursorPath: dotPath, sizeParam: name.optional() }),
  z.strictObject({ type: z.literal('link'), sizeParam: name.optional() }),
  z.strictObject({ type: z.literal('offset'), offsetParam: name, limitParam: name, ...endings }),
  z.strictObject({
    type: z.literal('page'),
    pageParam: name,
    sizeParam: name.optional(),
    firstPage: z.number().int().nonnegative().optional(),
    ...endings,
  }),
])

const jsonSchemaObject = z.record(z.string(), z.json())

/** A capability declared in JSON: a templated request, a response mapping, pagination. */
export const declaredCapabilitySchema = z.strictObject({
  description: z.string().optional(),
  request: jsonSchemaObject.optional(),
  response: jsonSchemaObject.optional(),
  scopes: z.array(z.string()).optional(),
  http: requestSpecSchema,
  result: z
    .strictObject({ path: dotPath.optional(), fields: z.record(z.string(), dotPath).optional() })
    .optional(),
  pagination: paginationSchema.optional(),
  defaultPageSize: z.number().int().positive().max(1000).optional(),
})

export const declaredCapabilitiesSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'capability names are snake_case'),
  declaredCapabilitySchema,
)
