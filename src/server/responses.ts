import { z } from 'zod'
import { ERROR_CODES } from '../errors.js'
import { connectionViewSchema } from '../runtime/index.js'
import { socialProfileSchema } from '../kit/index.js'

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

/**
 * `DELETE /connections/:id` when the provider was asked to revoke the tokens (RFC 7009): the
 * connection is deleted either way; `revocation` says whether the provider confirmed it.
 */
export const connectionDeletedBody = z.object({
  id: z.string(),
  deleted: z.literal(true),
  revocation: z.object({
    attempted: z.literal(true),
    ok: z.boolean(),
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }).optional(),
  }),
})

/** `GET /connections`: one page of connections, never their credentials. */
export const connectionPageBody = z.object({
  connections: z.array(connectionViewSchema),
  next_cursor: z.string().nullable(),
})

/** One event of a connection's log, as `GET /connections/:id/events` answers it. */
export const connectionEventSchema = z.object({
  id: z.string().describe('Increases with each event; opaque'),
  connection_id: z.string(),
  integration_id: z.string().nullable(),
  type: z
    .string()
    .describe('connection.created, connection.updated, connection.deleted, connection.refreshed, refresh.failed, connection.needs_reauth'),
  reason: z.string().nullable().describe('Why a refresh failed or the user must authorize again'),
  created_at: z.int().describe('Epoch seconds'),
})

/** `GET /connections/:id/events`: one page of events, newest first. */
export const connectionEventPageBody = z.object({
  events: z.array(connectionEventSchema),
  next_cursor: z.string().nullable(),
})

/** `POST /connections/import` */
export const importReportBody = z.object({
  imported: z.int().min(0),
  replaced: z.int().min(0),
  batches: z.int().min(0),
})

/** `GET /health`: the store, the background refresh and its backlog; nothing secret. */
export const healthBody = z.object({
  status: z.enum(['ok', 'unavailable']),
  store: z.enum(['ok', 'unreachable']),
  scheduler: z.object({
    running: z.boolean().describe('Whether this process runs the background refresh'),
    last_pass_at: z.string().nullable().describe('When its last pass finished (ISO 8601)'),
    last_pass_error: z.string().nullable().describe('Why its last pass failed, if it did'),
    due_backlog: z
      .number()
      .int()
      .nullable()
      .describe('Connections due for a refresh now, across every instance (up to 100000)'),
  }),
})

export const readyBody = z.object({ status: z.literal('ready') })

/** An API key as listed: never its value or hash. */
export const apiKeyViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: z.number().int(),
  last_used_at: z.number().int().nullable(),
  revoked_at: z.number().int().nullable(),
})

/** `POST /keys`: the one response that carries the key's value. */
export const apiKeyCreated = apiKeyViewSchema.extend({ key: z.string() })

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
  logo_url: z.string().nullable(),
  categories: z.array(z.string()),
  docs_url: z.string().nullable(),
  version: z.string().nullable(),
  base_url: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  auth: z.record(z.string(), z.unknown()),
  capabilities: z.record(z.string(), z.unknown()),
})

/** `POST /signin/exchange`: the signed-in user's normalized profile. */
export const signInResult = z.object({
  integration: z.string(),
  profile: socialProfileSchema,
  connection_id: z.string().nullable(),
})
