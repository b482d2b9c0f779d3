import { z } from 'zod'
import { ERROR_CODES } from '../errors.js'

const errorObject = z.object({
  message: z.string(),
  code: z.enum(ERROR_CODES),
  app_error_code: z.string().nullable(),
  status_code: z.number().int(),
  raised_by: z.string(),
  raised_in: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
})

/** Every API failure: `{"error": {…}}` with the HTTP status in `status_code`. */
export const errorBody = z.object({ error: errorObject })

const page = z.object({ token: z.string().nullable().optional(), size: z.number().int().nullable().optional() })

/** A capability call's result: the Lumos envelope, success or error. */
export const envelopeBody = z.union([
  z.object({ response: z.unknown(), page: page.nullable(), error: z.null() }),
  z.object({ response: z.null(), error: errorObject }),
])

export const healthBody = z.object({ status: z.literal('ok') })

export const connectSessionCreated = z.object({
  token: z.string(),
  url: z.string(),
  expires_at: z.number().int(),
})

export const credentialsBody = z.object({
  connection_id: z.string(),
  expires_at: z.number().int().nullable(),
  credentials: z.record(z.string(), z.unknown()),
})

/** A connector as `info` publishes it; its schemas are JSON Schema, left open here. */
export const connectorInfo = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  logoUrl: z.string().nullable(),
  categories: z.array(z.string()),
  docsUrl: z.string().nullable(),
  version: z.string().nullable(),
  baseUrl: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  auth: z.record(z.string(), z.unknown()),
  capabilities: z.record(z.string(), z.unknown()),
})
