import { z } from 'zod'

/** A non-empty string that may hold `{{templates}}`. */
export const templatedString = z.string().min(1)
export const stringMap = z.record(z.string(), z.string())

/** A provider request in a JSON definition: the URL, method, headers, query and body, templated. */
export const requestSpecSchema = z.strictObject({
  url: templatedString,
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).optional(),
  headers: stringMap.optional(),
  query: stringMap.optional(),
  body: z.json().optional(),
  bodyType: z.enum(['json', 'form']).optional(),
})
