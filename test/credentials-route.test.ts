import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, createServerApp } from '../src/server/index.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

// `GET /connections/:id/credentials` arriving through the Node server is answered on the Node
// request and response (src/server/credentials-node.ts); the same request handed to the app as a
// Web-standard Request goes through Hono's route and middleware. Both must answer alike.

interface Answer {
  status: number
  headers: Record<string, string>
  body: unknown
}

// Headers that differ by transport, not by route: the Node server's framing and date.
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'])

async function answerOf(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (!TRANSPORT_HEADERS.has(name)) headers[name] = value
  })
  const text = await response.text()
  return { status: response.status, headers, body: text === '' ? null : JSON.parse(text) }
}

describe('GET /connections/:id/credentials on the Node fast path', () => {
  let h: Harness
  let viaHono: (path: string, headers: Record<string, string>) => Promise<Answer>
  const honoLogs: string[] = []
  const viaNode = async (path: string, headers: Record<string, string>) =>
    answerOf(await fetch(`${h.server.url}${path}`, { headers }))

  beforeAll(async () => {
    h = await startHarness()
    const app = createServerApp({
      patchbay: h.patchbay,
      apiKeys: [h.apiKey],
      logger: createLogger({ level: 'debug', destination: { write: (line) => void honoLogs.push(line) } }),
    })
    viaHono = async (path, headers) =>
      answerOf(await app.fetch(new Request(`${h.server.url}${path}`, { headers })))
  })
  afterAll(async () => h?.close())

  /** Both answers, with a generated request id replaced (it differs by design). */
  async function both(path: string, headers: Record<string, string>) {
    const node = await viaNode(path, headers)
    const hono = await viaHono(path, headers)
    for (const answer of [node, hono]) {
      expect(answer.headers['x-request-id']).toMatch(/\S/)
      if (headers['x-request-id'] === undefined) answer.headers['x-request-id'] = '<generated>'
    }
    return { node, hono }
  }

  it('answers a stored credential as the Hono route does', async () => {
    const id = await connectViaBrowser(h)
    const bearer = { authorization: `Bearer ${h.apiKey}` }
    const { node, hono } = await both(`/connections/${id}/credentials`, bearer)
    expect(node.status).toBe(200)
    expect(node.headers['cache-control']).toBe('no-store')
    expect(node.headers['content-type']).toBe('application/json')
    const body = node.body as { connection_id: string; credentials: Record<string, unknown> }
    expect(body.connection_id).toBe(id)
    expect(Object.keys(body.credentials).length).toBeGreaterThan(0)
    expect(node).toEqual(hono)
  })

  it('reuses a valid X-Request-Id and ignores the query string, as the Hono route does', async () => {
    const id = await connectViaBrowser(h)
    const headers = { authorization: `Bearer ${h.apiKey}`, 'x-request-id': 'caller-req.42' }
    const { node, hono } = await both(`/connections/${id}/credentials?debug=1`, headers)
    expect(node.status).toBe(200)
    expect(node.headers['x-request-id']).toBe('caller-req.42')
    expect(node.headers).toEqual(hono.headers)
  })

  it('refuses a missing, a malformed and a wrong API key with the same 401, challenge and envelope', async () => {
    const id = await connectViaBrowser(h)
    const refused: Record<string, string>[] = [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer not-a-key' }]
    for (const headers of refused) {
      const { node, hono } = await both(`/connections/${id}/credentials`, headers)
      expect(node.status).toBe(401)
      expect(node.headers['www-authenticate']).toMatch(/^Bearer realm="patchbay"/)
      expect(node).toEqual(hono)
    }
  })

  it('answers an unknown connection and a refused refresh with the route’s error envelopes', async () => {
    const bearer = { authorization: `Bearer ${h.apiKey}` }
    const missing = await both('/connections/conn_missing/credentials', bearer)
    expect(missing.node.status).toBe(404)
    expect(missing.node).toEqual(missing.hono)

    // A connection whose refresh the provider refused: reading it fails the same way both ways.
    const id = await connectViaBrowser(h)
    h.sandbox.setConfig({ failNextToken: { status: 400, body: { error: 'invalid_grant' } } })
    expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(409)
    const { node, hono } = await both(`/connections/${id}/credentials`, bearer)
    expect(node.status).toBeGreaterThanOrEqual(400)
    expect((node.body as { error: { raised_in: string } }).error.raised_in).toBe(
      'GET /connections/:id/credentials',
    )
    expect(node).toEqual(hono)
  })

  it('writes the same request line as the Hono route', async () => {
    const id = await connectViaBrowser(h)
    const headers = { authorization: `Bearer ${h.apiKey}` }
    await viaNode(`/connections/${id}/credentials?x=1`, { ...headers, 'x-request-id': 'line-node' })
    await viaHono(`/connections/${id}/credentials?x=1`, { ...headers, 'x-request-id': 'line-hono' })
    const lineOf = (logs: string[], requestId: string) => {
      const found = logs.map((line) => JSON.parse(line)).find((e) => e.msg === 'request' && e.request_id === requestId)
      expect(found, requestId).toBeDefined()
      const { time: _time, pid: _pid, hostname: _host, duration_ms: duration, request_id: _id, ...rest } = found
      expect(typeof duration).toBe('number')
      return rest
    }
    const node = lineOf(h.logs, 'line-node')
    expect(node).toMatchObject({ method: 'GET', path: `/connections/${id}/credentials`, status: 200, caller: 'env' })
    expect(node).toEqual(lineOf(honoLogs, 'line-hono'))
  })
})
