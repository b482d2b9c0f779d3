import type { Context } from 'hono'
import { isPatchbayError, PatchbayError } from '../errors.js'
import { parseBoundedJson } from '../kit/index.js'
import { errorEnvelope } from '../runtime/index.js'
import type { Logger } from './logging.js'

/**
 * What an HTTP caller may learn of a failure. A PatchbayError is passed on as it is; anything
 * else (a bug, a library's exception, a stack overflow) is logged with its text under the
 * request's id and replaced by a generic `internal` error carrying only that id: its message
 * could hold anything, from file paths to a secret.
 */
export function publicError(c: Context, error: unknown): unknown {
  return publicErrorOf(error, c.get('requestId') ?? null, c.get('log'))
}

/** {@link publicError} outside a Hono context: the request's id and logger given. */
export function publicErrorOf(error: unknown, requestId: string | null, log: Logger | undefined): unknown {
  if (isPatchbayError(error)) return error
  log?.error({ err: error, request_id: requestId }, 'unexpected error')
  const reference = requestId ? ` (request ${requestId})` : ''
  return new PatchbayError('internal', `Something went wrong inside Patchbay${reference}`, {
    ...(requestId ? { details: { request_id: requestId } } : {}),
  })
}

/** The JSON error body of every API failure: `{"error": {message, code, …}}` with its status. */
export function errorResponse(c: Context, error: unknown): Response {
  const { error: body } = errorEnvelope(publicError(c, error), `${c.req.method} ${c.req.routePath}`)
  return c.json({ error: body }, body.status_code as 400)
}

/**
 * Reads a JSON request body (already bounded in size by `limitBodies`).
 * @throws PatchbayError `bad_request` when it is not JSON or nests too deeply
 */
export async function readJson(c: Context): Promise<unknown> {
  const raw = await c.req.text()
  if (raw.trim() === '') return {}
  try {
    return parseBoundedJson(raw, 'The request body')
  } catch (error) {
    if (isPatchbayError(error)) throw error
    throw new PatchbayError('bad_request', 'The request body is not valid JSON')
  }
}
