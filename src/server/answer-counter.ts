import type { MiddlewareHandler } from 'hono'

/**
 * Middleware telling `record` each answer's status and how long it took (seconds, to the
 * handler's return: for a stream, its headers), errors included, for `/metrics`.
 */
export function countAnswers(record: (status: number, seconds: number) => void): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now()
    await next()
    record(c.res.status, (performance.now() - started) / 1000)
  }
}
