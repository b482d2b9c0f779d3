import { z } from 'zod'
import { RECORD_ID, WEBHOOK_EVENT_TYPES } from '../runtime/index.js'

const id = z.string().regex(RECORD_ID, 'letters, digits, "_", ".", ":" or "-"')

/** `PUT /integrations/:id` */
export const integrationBody = z.strictObject({
  connector: z.string().min(1),
  client_id: z.string().min(1).nullable().optional(),
  client_secret: z.string().min(1).nullable().optional(),
  scopes: z.array(z.string().min(1)).nullable().optional(),
  redirect_uri: z.url().nullable().optional(),
  /** Application pages a sign-in flow may return to, compared exactly (`GET /signin/…/start`). */
  signin_redirect_uris: z.array(z.url()).max(20).nullable().optional(),
  /** Signs the provider's webhooks; left out, the stored one is kept; null removes it. */
  webhook_secret: z.string().min(1).max(1024).nullable().optional(),
})

/** `POST /connections` */
export const connectionBody = z.strictObject({
  integration: id,
  connection_id: id.optional(),
  settings: z.record(z.string(), z.json()).optional(),
  auth: z.record(z.string(), z.json()).optional(),
})

/** `GET /connections?integration=&status=&limit=&cursor=` */
export const connectionListQuery = z.strictObject({
  integration: id.optional(),
  status: z.enum(['active', 'needs_reauth', 'error']).optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'an integer from 1 to 1000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'an integer from 1 to 1000')
    .optional(),
  cursor: z.string().min(1).max(400).optional(),
})

/**
 * `POST /connect/sessions`: `integration` alone gets its direct OAuth start URL; `integrations`
 * (with `integration`, if given, first) gets the Connect page listing them all.
 */
export const connectSessionBody = z
  .strictObject({
    integration: id.optional(),
    integrations: z.array(id).min(1).max(50).optional(),
    connection_id: id.optional(),
    redirect: z.url().optional(),
    end_user: z.string().min(1).max(256).optional(),
  })
  .refine((body) => body.integration !== undefined || body.integrations !== undefined, {
    message: 'integration or integrations is required',
    path: ['integration'],
  })

/** `POST /connections/:id/capabilities/:name`: the envelope's input, minus auth and settings. */
export const capabilityBody = z.strictObject({
  request: z.json(),
  page: z
    .strictObject({
      token: z.string().nullable().optional(),
      size: z.number().int().positive().nullable().optional(),
    })
    .nullable()
    .optional(),
})

/** `POST /keys` */
export const apiKeyBody = z.strictObject({
  name: z.string().min(1).max(200).optional(),
})

/** `POST /webhook-endpoints`: where to send events, and which (all when left out). */
export const webhookEndpointBody = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).optional(),
})

/** `POST /signin/exchange`: the result code a sign-in flow handed to the application's page. */
export const signInExchangeBody = z.strictObject({
  code: z.string().min(1).max(256),
})

/**
 * `POST /connectors/:id/test-message`: a message connector's configuration, not saved anywhere,
 * and the message to send with it (Logto's "send a testing message").
 */
export const testMessageBody = z.strictObject({
  settings: z.record(z.string(), z.json()).optional(),
  auth: z.record(z.string(), z.json()).optional(),
  request: z.json(),
})

/** `GET /connections/:id/events`: a page size and the previous page's cursor. */
export const connectionEventQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'an integer from 1 to 1000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'an integer from 1 to 1000')
    .optional(),
  cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, "the previous page's next_cursor").optional(),
})
