import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { destination, pino } from 'pino'
import type { DestinationStream, Logger } from 'pino'
import { isPatchbayError } from '../errors.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's logger: every line carries its `request_id`. */
    log: Logger
    requestId: string
  }
}

export type { Logger } from 'pino'

// Field names whose values are secrets wherever they appear, at the top of a log object or one
// level down. Nothing logs bodies or headers today; this is the net under future mistakes.
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'password',
  'secret',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'idToken',
  'token',
  'code',
  'code_verifier',
  'codeVerifier',
  'apiKey',
  'api_key',
  'key',
  'credentials',
]

/** What pino masks, as `redact` paths: secret fields, and auth and cookie headers. */
const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.headers["x-api-key"]',
]

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** `PATCHBAY_LOG_LEVEL`: `info` by default; `silent` logs nothing. */
  level?: string
  /**
   * Where lines go: stdout by default (buffered: written every 4 KiB or 200 ms, and at exit);
   * tests pass `{ write(line) { … } }` to collect them.
   */
  destination?: DestinationStream
}

/**
 * A JSON-lines logger with secret redaction.
 * @example
 * const logger = createLogger({ level: process.env.PATCHBAY_LOG_LEVEL })
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: 'patchbay' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  }
  if (options.destination) return pino(settings, options.destination)
  // Standard output through a buffer, written once 4 KiB gather, every 200 ms, and in full when
  // the process exits: one write per request cost as much as answering the request (#9).
  const stdout = destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 })
  return pino(settings, stdout)
}

// Printable, short, no spaces or quotes: anything else is replaced rather than echoed into logs.
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** The incoming `X-Request-Id` when it is safe to reuse, else a new UUID. */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && REQUEST_ID.test(header) ? header : randomUUID()
}

/**
 * Middleware giving each request an id (reused from a valid `X-Request-Id`, or generated) and a
 * child logger carrying it (`c.get('log')`), answering with `X-Request-Id`, and writing one line
 * per request: method, path without the query string (it may hold a code or a session token),
 * status, duration and the caller. Never bodies or headers.
 */
export function requestLogging(logger: Logger): MiddlewareHandler {
  const lines = requestLineLogger(logger)
  return async (c, next) => {
    const started = performance.now()
    const requestId = requestIdFrom(c.req.header('x-request-id'))
    const log = logger.child({ request_id: requestId })
    c.set('requestId', requestId)
    c.set('log', log)
    await next()
    // Set on the response in place: `c.header` on a finished response makes Hono copy it around
    // its body stream, which turns the Node adapter's one-write answer into a streamed one
    // (issue 9). Only a response with immutable headers (a provider's, from fetch) is copied.
    try {
      c.res.headers.set('X-Request-Id', requestId)
    } catch {
      c.header('X-Request-Id', requestId)
    }
    logRequest(lines, {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      started,
      caller: c.get('caller')?.id,
      error: c.error,
    })
  }
}

/**
 * The logger request lines go through: `logger` without its redaction. A request line's fields
 * are fixed and hold no secret (method, path without the query, status, duration, caller id,
 * error code and class name), while pino's redaction of the secret paths above costs some 20
 * times the write itself, once per request. Every other line keeps the redaction.
 */
export function requestLineLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] })
}

/** What the request line says of one request; `started` is its `performance.now()`. */
export interface RequestLine {
  method: string
  /** Without the query string, which may hold a code or a session token. */
  path: string
  status: number
  started: number
  caller?: string | undefined
  /** The error the request failed with, if it threw one. */
  error?: Error | undefined
  requestId: string
}

/**
 * Writes the one line per request: method, path, status, duration and the caller, and for a
 * failure the error's code (and class name when it is not a PatchbayError). Never bodies or
 * headers. At `error` level for a 5xx answer, else `info`.
 * @param log a {@link requestLineLogger}
 */
export function logRequest(log: Logger, request: RequestLine): void {
  const line: Record<string, unknown> = {
    request_id: request.requestId,
    method: request.method,
    path: request.path,
    status: request.status,
    duration_ms: Math.round((performance.now() - request.started) * 10) / 10,
  }
  if (request.caller) line['caller'] = request.caller
  // The code and class name only: a message from outside Patchbay could carry anything.
  const { error } = request
  if (error) {
    line['error_code'] = isPatchbayError(error) ? error.code : 'internal'
    if (!isPatchbayError(error)) line['error_type'] = error.name
  }
  if (request.status >= 500) log.error(line, 'request')
  else log.info(line, 'request')
}
