import type { Context } from 'hono'
import { PatchbayError } from '../errors.js'
import { errorEnvelope } from '../runtime/index.js'

/** The JSON error body of every API failure: `{"error": {message, code, …}}` with its status. */
export function errorResponse(c: Context, error: unknown): Response {
  const { error: body } = errorEnvelope(error, `${c.req.method} ${c.req.routePath}`)
  return c.json({ error: body }, body.status_code as 400)
}

/**
 * Reads a JSON request body.
 * @throws PatchbayError `bad_request` when it is not JSON
 */
export async function readJson(c: Context): Promise<unknown> {
  const raw = await c.req.text()
  if (raw.trim() === '') return {}
  try {
    return JSON.parse(raw)
  } catch {
    throw new PatchbayError('bad_request', 'The request body is not valid JSON')
  }
}
