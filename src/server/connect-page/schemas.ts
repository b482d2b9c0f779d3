import { z } from 'zod'

/** `POST /connect/api/connections`: a Connect page form. */
export const pageConnectionBody = z.strictObject({
  integration: z.string().min(1),
  settings: z.record(z.string(), z.json()).optional(),
  auth: z.record(z.string(), z.json()).optional(),
})

/** `POST /connect/api/oauth/start`: the settings an OAuth flow needs before consent. */
export const pageOAuthStartBody = z.strictObject({
  integration: z.string().min(1),
  settings: z.record(z.string(), z.json()).optional(),
})

/** What `POST /connect/api/connections` answers: the new connection, never its credentials. */
export const pageConnectionCreated = z.object({
  connection: z.object({
    id: z.string(),
    integration: z.string(),
    account_name: z.string().nullable(),
  }),
})

/** What `POST /connect/api/oauth/start` answers: where to send the popup. */
export const pageOAuthStarted = z.object({ url: z.string() })
