import type { ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { getPath } from 'hono/utils/url'
import { isPatchbayError } from '../errors.js'
import { confineUrl, errorEnvelope } from '../runtime/index.js'
import type { Patchbay } from '../runtime/index.js'
import { apiRefusal } from './api-auth.js'
import type { ApiAuthenticator } from './api-auth.js'
import { publicErrorOf } from './http-errors.js'
import { logRequest, requestIdFrom, requestLineLogger } from './logging.js'
import type { Logger } from './logging.js'
import type { NodeExchange } from './node-exchange.js'
import { answerHeaders, forwardProxied, headerValue, proxyPathOf } from './proxy-forwarding.js'

/** Options of {@link createNodeProxy}: what the app's own middleware would have used. */
export interface NodeProxyOptions {
  patchbay: Patchbay
  authenticate: ApiAuthenticator
  logger: Logger
  maxBodyBytes: number
  /** Told each answer's status and its time to headers (seconds), for `/metrics`. */
  onAnswered?: (status: number, seconds: number) => void
}

/** Answers with the error envelope (as `errorResponse` does); returns the status sent. */
function sendError(
  outgoing: ServerResponse,
  error: unknown,
  method: string,
  requestId: string,
  extra: Record<string, string> = {},
): number {
  const { error: body } = errorEnvelope(error, `${method} /proxy/*`)
  const status = body.status_code
  if (outgoing.headersSent) {
    // The provider's answer had begun: the caller can only see it cut short.
    outgoing.destroy()
    return status
  }
  const text = JSON.stringify({ error: body })
  outgoing.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId,
    // The client may still be sending a body too large to read: answer, then close.
    ...(status === 413 ? { connection: 'close' } : {}),
    ...extra,
  })
  outgoing.end(text)
  return status
}

/**
 * `ALL /proxy/<path>` on the Node request and response themselves, for requests that came
 * through the Node adapter: the body read from the socket and the provider's answer written to
 * it with backpressure both ways, without Hono's Request and Response or any web stream. It does
 * what the app's middleware and route do for the proxy, in the same order and with the same
 * helpers: request id and log line, the raw-target escape check, API authentication (the same
 * 401 envelope and challenge), then {@link forwardProxied}. The caller going away cancels the
 * provider request, its upload or its answer.
 * @returns the Response telling the Node adapter the answer is already written
 */
export function createNodeProxy(
  options: NodeProxyOptions,
): (exchange: NodeExchange, request: Request) => Promise<Response> {
  const { patchbay, authenticate, logger, maxBodyBytes } = options
  const lines = requestLineLogger(logger)
  return async ({ incoming, outgoing }, request) => {
    const started = performance.now()
    const requestId = requestIdFrom(headerValue(incoming.headers['x-request-id']))
    let log: Logger | undefined
    const requestLog = () => (log ??= logger.child({ request_id: requestId }))
    const method = incoming.method ?? 'GET'
    const abort = new AbortController()
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) abort.abort()
    })
    let status: number
    let caller: string | undefined
    let failure: Error | undefined
    try {
      const target = proxyPathOf(incoming.url ?? '') ?? ''
      // What `refuseEscapingProxyPaths` does, before authentication as there.
      confineUrl(target, 'http://proxy.invalid')
      const outcome = await authenticate(headerValue(incoming.headers['authorization']))
      if (!outcome.ok) {
        requestLog().debug({ reason: outcome.reason }, 'API credentials refused')
        const { challenge, error } = apiRefusal(outcome)
        status = sendError(outgoing, error, method, requestId, { 'www-authenticate': challenge })
      } else {
        caller = outcome.caller.id
        const answer = await forwardProxied(patchbay, {
          method,
          target,
          headers: incoming.headers,
          // Not destroyed when the reader stops early: a 413 still has to be answered.
          body: () => incoming.iterator({ destroyOnReturn: false }),
          signal: abort.signal,
          maxBodyBytes,
        })
        const headers = answerHeaders(answer)
        headers['x-request-id'] = requestId
        outgoing.writeHead(answer.status, headers)
        // `pipe` rather than `pipeline`, which costs an AbortController per request; the caller's
        // side is the `close` listener above.
        answer.body.once('error', () => outgoing.destroy())
        answer.body.pipe(outgoing)
        status = answer.status
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error))
      const shown = isPatchbayError(error) ? error : publicErrorOf(error, requestId, requestLog())
      status = sendError(outgoing, shown, method, requestId)
    }
    logRequest(lines, { requestId, method, path: getPath(request), status, started, caller, error: failure })
    options.onAnswered?.(status, (performance.now() - started) / 1000)
    // The adapter's shared marker: a Response of our own would be built in full to be read.
    return RESPONSE_ALREADY_SENT
  }
}
