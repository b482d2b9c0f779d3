import type { IncomingMessage, ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { credentialsView, errorEnvelope } from '../runtime/index.js'
import type { Patchbay } from '../runtime/index.js'
import { apiRefusal } from './api-auth.js'
import type { ApiAuthenticator } from './api-auth.js'
import { publicErrorOf } from './http-errors.js'
import { logRequest, requestIdFrom, requestLineLogger } from './logging.js'
import type { Logger } from './logging.js'
import type { NodeExchange } from './node-exchange.js'
import { headerValue } from './proxy-forwarding.js'

// What the Hono route and its middleware name the two places an answer can come from: the
// route for what the route raises, the API auth middleware (mounted on `/connections/*`) for
// a refusal. The envelopes' `raised_in` stays what it was through Hono.
const ROUTE = 'GET /connections/:id/credentials'
const AUTH_MOUNT = 'GET /connections/*'

// `/connections/<id>/credentials`, with or without a query string. An id with `%` (Hono
// decodes it), or any other path shape, goes the Hono way.
const CREDENTIALS_PATH = /^\/connections\/([^/?#%]+)\/credentials(?:\?|$)/

/**
 * The connection id when a Node request is a plain `GET /connections/:id/credentials` (no body
 * announced, an id without percent-encoding), else null: everything else, HEAD included, is
 * answered by the Hono route, which this one mirrors.
 */
export function credentialsRequestId(incoming: IncomingMessage): string | null {
  if (incoming.method !== 'GET') return null
  const match = CREDENTIALS_PATH.exec(incoming.url ?? '')
  if (!match) return null
  const headers = incoming.headers
  if (headers['transfer-encoding'] !== undefined) return null
  const length = headers['content-length']
  if (length !== undefined && length !== '0') return null
  return match[1] as string
}

/** Options of {@link createNodeCredentials}: what the app's own middleware would have used. */
export interface NodeCredentialsOptions {
  patchbay: Patchbay
  authenticate: ApiAuthenticator
  logger: Logger
  /** Called with each answer's status (the metrics' credential request count). */
  onAnswered?: (status: number) => void
}

const JSON_TYPE = 'application/json'

/** Writes a JSON answer in one go; `headers` in the order the Hono route sends them. */
function sendJson(outgoing: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  outgoing.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) })
  outgoing.end(text)
}

/**
 * `GET /connections/:id/credentials` on the Node request and response themselves: the hot read
 * of a stored credential, without Hono's routing, context, middleware chain and Response
 * (issue 9). It does what they do for this route, in the same order and with the same helpers:
 * request id (`X-Request-Id`) and the request line, API authentication (the same 401 envelope,
 * challenge and debug line), `resolveConnection`, `Cache-Control: no-store`, and the error
 * envelope of anything raised, an unexpected error hidden behind the request id.
 * @returns the Response telling the Node adapter the answer is already written
 */
export function createNodeCredentials(
  options: NodeCredentialsOptions,
): (exchange: NodeExchange, connectionId: string) => Promise<Response> {
  const { patchbay, authenticate, logger } = options
  const lines = requestLineLogger(logger)
  return async ({ incoming, outgoing }, connectionId) => {
    const started = performance.now()
    const requestId = requestIdFrom(headerValue(incoming.headers['x-request-id']))
    // A child logger per request costs as much as the rest of the answer: made only when used.
    let log: Logger | undefined
    const requestLog = () => (log ??= logger.child({ request_id: requestId }))
    let status: number
    let caller: string | undefined
    let failure: Error | undefined
    const outcome = await authenticate(headerValue(incoming.headers['authorization']))
    if (!outcome.ok) {
      requestLog().debug({ reason: outcome.reason }, 'API credentials refused')
      const { challenge, error } = apiRefusal(outcome)
      const { error: body } = errorEnvelope(error, AUTH_MOUNT)
      status = body.status_code
      sendJson(outgoing, status, JSON.stringify({ error: body }), {
        'content-type': JSON_TYPE,
        'www-authenticate': challenge,
        'x-request-id': requestId,
      })
    } else {
      caller = outcome.caller.id
      try {
        const { connection, credentials } = await patchbay.resolveConnection(connectionId)
        const text = JSON.stringify(credentialsView(connectionId, connection, credentials))
        status = 200
        sendJson(outgoing, status, text, {
          'cache-control': 'no-store',
          'content-type': JSON_TYPE,
          'x-request-id': requestId,
        })
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error))
        const { error: body } = errorEnvelope(publicErrorOf(error, requestId, requestLog()), ROUTE)
        status = body.status_code
        sendJson(outgoing, status, JSON.stringify({ error: body }), {
          'content-type': JSON_TYPE,
          'x-request-id': requestId,
        })
      }
    }
    const path = (incoming.url ?? '').split('?', 1)[0] as string
    logRequest(lines, { requestId, method: 'GET', path, status, started, caller, error: failure })
    options.onAnswered?.(status)
    // The adapter's shared marker: a Response of our own would be built in full to be read.
    return RESPONSE_ALREADY_SENT
  }
}
