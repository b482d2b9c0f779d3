import { z } from 'zod'

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'letters, digits, "_", ".", ":" or "-"')

/** `PUT /integrations/:id` */
export const integrationBody = z.strictObject({
  connector: z.string().min(1),
  client_id: z.string().min(1).nullable().optional(),
  client_secret: z.string().min(1).nullable().optional(),
  scopes: z.array(z.string().min(1)).nullable().optional(),
  redirect_uri: z.url().nullable().optional(),
})

/** `POST /connections` */
export const connectionBody = z.strictObject({
  integration: z.string().min(1),
  connection_id: id.optional(),
  settings: z.record(z.string(), z.json()).optional(),
  auth: z.record(z.string(), z.json()).optional(),
})

/** `POST /connect/sessions` */
export const connectSessionBody = z.strictObject({
  integration: z.string().min(1),
  connection_id: id.optional(),
  redirect: z.url().optional(),
  end_user: z.string().min(1).max(256).optional(),
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
