import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { PatchbayError } from '../errors.js'
import { createLogger, requestIdFrom, requestLogging } from './logging.js'

function collector() {
  const lines: string[] = []
  return {
    lines,
    destination: { write: (line: string) => void lines.push(line) },
    parsed: () => lines.map((line) => JSON.parse(line)),
  }
}

describe('createLogger', () => {
  it('masks secret fields and auth headers wherever a log call puts them', () => {
    const out = collector()
    const logger = createLogger({ destination: out.destination })
    logger.info(
      {
        client_secret: 'cs-value-1',
        password: 'pw-value-2',
        token: 'tk-value-3',
        nested: {
          access_token: 'at-value-4',
          refresh_token: 'rt-value-5',
          apiKey: 'ak-value-6',
          code: 'cd-value-7',
        },
        req: {
          headers: {
            authorization: 'Bearer hdr-value-8',
            cookie: 'sid=ck-value-9',
            accept: 'text/html',
          },
        },
      },
      'careless',
    )
    expect(out.lines).toHaveLength(1)
    const line = out.lines[0] as string
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9]) expect(line).not.toContain(`value-${n}`)
    const entry = JSON.parse(line)
    expect(entry.nested.access_token).toBe('[redacted]')
    expect(entry.req.headers.authorization).toBe('[redacted]')
    expect(entry.req.headers.accept).toBe('text/html')
  })

  it('writes nothing below its level', () => {
    const out = collector()
    const logger = createLogger({ level: 'warn', destination: out.destination })
    logger.info('hidden')
    logger.warn('shown')
    expect(out.parsed().map((entry) => entry.msg)).toEqual(['shown'])
  })
})

describe('requestLogging', () => {
  function app() {
    const out = collector()
    const hono = new Hono()
    hono.use('*', requestLogging(createLogger({ destination: out.destination })))
    hono.onError((_error, c) => c.json({ error: 'failed' }, 500))
    hono.get('/hello', (c) => {
      c.get('log').info({ step: 'inside' }, 'route line')
      return c.text('hi')
    })
    hono.get('/refuse', () => {
      throw new PatchbayError('bad_request', 'no')
    })
    hono.get('/explode', () => {
      throw new Error('something with a secret-ish text')
    })
    return { hono, out }
  }

  it('logs one line per request with method, path without the query, status and duration', async () => {
    const { hono, out } = app()
    const response = await hono.fetch(new Request('http://x/hello?code=abc123secret&state=s1'))
    expect(response.status).toBe(200)
    const [routeLine, requestLine] = out.parsed()
    expect(routeLine).toMatchObject({ msg: 'route line', step: 'inside' })
    expect(requestLine).toMatchObject({
      msg: 'request',
      method: 'GET',
      path: '/hello',
      status: 200,
    })
    expect(typeof requestLine.duration_ms).toBe('number')
    expect(out.lines.join('\n')).not.toContain('abc123secret')
  })

  it('gives every line of a request, and its response, the same generated request id', async () => {
    const { hono, out } = app()
    const response = await hono.fetch(new Request('http://x/hello'))
    const id = response.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(out.parsed().map((entry) => entry.request_id)).toEqual([id, id])
  })

  it('reuses a valid incoming X-Request-Id and replaces an unsafe one', async () => {
    const { hono, out } = app()
    const kept = await hono.fetch(
      new Request('http://x/hello', { headers: { 'x-request-id': 'edge-42.a:b' } }),
    )
    expect(kept.headers.get('x-request-id')).toBe('edge-42.a:b')
    const unsafe = 'bad id "with" quotes'
    const replaced = await hono.fetch(
      new Request('http://x/hello', { headers: { 'x-request-id': unsafe } }),
    )
    expect(replaced.headers.get('x-request-id')).not.toBe(unsafe)
    expect(out.lines.join('\n')).not.toContain('with\\" quotes')
    expect(requestIdFrom('x'.repeat(200))).not.toBe('x'.repeat(200))
  })

  it('records the error code of a failed request, but not the message of an unexpected error', async () => {
    const { hono, out } = app()
    expect((await hono.fetch(new Request('http://x/refuse'))).status).toBe(500)
    expect((await hono.fetch(new Request('http://x/explode'))).status).toBe(500)
    const [refused, exploded] = out.parsed()
    expect(refused).toMatchObject({ level: 50, error_code: 'bad_request' })
    expect(exploded).toMatchObject({ error_code: 'internal', error_type: 'Error' })
    expect(out.lines.join('\n')).not.toContain('secret-ish')
  })
})
