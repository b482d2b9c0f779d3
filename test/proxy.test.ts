import { createHash } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isPatchbayError } from '../src/errors.js'
import { apiKey, defineConnector } from '../src/kit/index.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

const MB = 1024 * 1024
const UPSTREAM_KEY = 'upstream-key-5f1c2a9e7b'

// A provider whose base URL is templated from the connection's settings and has a path prefix;
// the setting is a whole URL (`format: "uri"`), plain http allowed on loopback only.
const upstreamConnector = defineConnector({
  id: 'upstream',
  name: 'Upstream',
  baseUrl: '{{host}}/base',
  allowHttp: 'loopback',
  settings: z.object({ host: z.url() }),
  auth: apiKey({ header: 'X-Upstream-Key' }),
})

/** Sends exactly this request target and these headers (fetch would normalize `..` away). */
function rawRequest(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base)
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path: target, headers },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown = text
          try {
            parsed = JSON.parse(text)
          } catch {
            // Not JSON: keep the text.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** A deterministic 10 MB byte pattern, produced a chunk at a time. */
function patternChunk(index: number, size: number): Uint8Array {
  const chunk = new Uint8Array(size)
  for (let i = 0; i < size; i += 1) chunk[i] = (index * 31 + i) % 251
  return chunk
}

/** A promise with its resolve, and a fallback that resolves it anyway after `ms`. */
function signal<T>(fallback: T, ms = 10_000) {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  const timer = setTimeout(() => resolve(fallback), ms)
  return {
    promise,
    resolve: (value: T) => {
      clearTimeout(timer)
      resolve(value)
    },
  }
}

describe('proxy', () => {
  let h: Harness
  let upstream: Upstream
  let sandboxConnection: string
  let upstreamConnection: string
  let proxyHeaders: Record<string, string>

  beforeAll(async () => {
    upstream = await startUpstream()
    h = await startHarness({
      connectors: () => [upstreamConnector],
      // Short backoff so bounded-retry tests stay fast; Retry-After is still honoured as sent.
      runtime: { retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 100, maxTotalMs: 5000 } },
    })
    const integration = await h.api('PUT', '/integrations/upstream', { connector: 'upstream' })
    expect(integration.status).toBe(200)
    const created = await h.api('POST', '/connections', {
      integration: 'upstream',
      settings: { host: upstream.url },
      auth: { apiKey: UPSTREAM_KEY },
    })
    expect(created.status).toBe(201)
    upstreamConnection = created.body.id
    sandboxConnection = await connectViaBrowser(h)
    proxyHeaders = { authorization: `Bearer ${h.apiKey}`, 'connection-id': upstreamConnection }
  })
  afterAll(async () => {
    await h.close()
    await upstream.close()
  })
  beforeEach(() => {
    upstream.reset()
    h.sandbox.resetStats()
  })

  describe('forwarding', () => {
    it('forwards method, path, query, body and headers to the sandbox with the connection token', async () => {
      const answer = await rawRequest(h.server.url, 'POST', '/proxy/api/echo?a=1&b=two&b=three', {
        authorization: `Bearer ${h.apiKey}`,
        cookie: 'patchbay_session=caller-cookie',
        'connection-id': sandboxConnection,
        integration: 'sandbox',
        'content-type': 'application/json',
        'x-custom': 'kept',
        connection: 'keep-alive, x-hop-only',
        'x-hop-only': 'dropped',
        'proxy-authorization': 'Basic c29tZTpvbmU=',
      }, JSON.stringify({ hello: 'world' }))

      // The sandbox's echo needs its own bearer token: a 200 shows the connection's was applied.
      expect(answer.status).toBe(200)
      expect(answer.body.method).toBe('POST')
      expect(answer.body.query).toEqual({ a: '1', b: ['two', 'three'] })
      expect(answer.body.body).toEqual({ hello: 'world' })
      expect(answer.body.headers['x-custom']).toBe('kept')
      const stripped = ['cookie', 'connection-id', 'integration', 'x-hop-only', 'proxy-authorization']
      for (const name of stripped) {
        expect(answer.body.headers, name).not.toHaveProperty(name)
      }
      expect(JSON.stringify(answer.body)).not.toContain(h.apiKey)
    })

    it('appends the path to a base URL templated from settings and places the API key, not the caller\'s', async () => {
      upstream.handle('/base/things/42', (_req, res) => {
        res.writeHead(201, {
          'content-type': 'application/json',
          'x-upstream': 'yes',
          connection: 'x-upstream-hop',
          'x-upstream-hop': 'dropped',
        })
        res.end('{"created":true}')
      })
      const answer = await rawRequest(h.server.url, 'PUT', '/proxy/things/42?x=%2Fy', {
        ...proxyHeaders,
        cookie: 'a=b',
      }, 'payload')

      expect(answer.status).toBe(201)
      expect(answer.body).toEqual({ created: true })
      expect(answer.headers['x-upstream']).toBe('yes')
      expect(answer.headers).not.toHaveProperty('x-upstream-hop')
      expect(upstream.arrivals).toHaveLength(1)
      const arrival = upstream.arrivals[0]!
      expect(arrival.method).toBe('PUT')
      expect(arrival.url).toBe('/base/things/42?x=%2Fy')
      expect(arrival.headers['x-upstream-key']).toBe(UPSTREAM_KEY)
      expect(arrival.headers).not.toHaveProperty('authorization')
      expect(arrival.headers).not.toHaveProperty('cookie')
      expect(arrival.headers).not.toHaveProperty('connection-id')
      expect(arrival.headers.host).toBe(upstream.host)
    })

    it('streams a 10 MB request body to the provider as it arrives', async () => {
      const total = 10 * MB
      const chunkSize = 256 * 1024
      const received = signal(0)
      let upstreamBytes = 0
      const upstreamHash = createHash('sha256')
      upstream.handle('/base/upload', async (req, res) => {
        for await (const chunk of req) {
          upstreamBytes += (chunk as Buffer).length
          upstreamHash.update(chunk as Buffer)
          received.resolve(upstreamBytes)
        }
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ bytes: upstreamBytes }))
      })

      // The client sends 1 MB, then waits until the provider has bytes before sending the rest:
      // behind a proxy that held the whole body, only the fallback timer would let it go on.
      const clientHash = createHash('sha256')
      let sent = 0
      let providerHadBytesWhileSending = 0
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === MB) providerHadBytesWhileSending = await received.promise
          if (sent >= total) return controller.close()
          const chunk = patternChunk(sent / chunkSize, chunkSize)
          clientHash.update(chunk)
          sent += chunk.length
          controller.enqueue(chunk)
        },
      })
      const response = await fetch(`${h.server.url}/proxy/upload`, {
        method: 'POST',
        headers: { ...proxyHeaders, 'content-type': 'application/octet-stream' },
        body,
        duplex: 'half',
      } as RequestInit)

      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ bytes: total })
      expect(providerHadBytesWhileSending).toBeGreaterThan(0)
      expect(providerHadBytesWhileSending).toBeLessThan(total)
      expect(upstreamHash.digest('hex')).toBe(clientHash.digest('hex'))
    })

    it('streams a 10 MB response back before the provider has written all of it', async () => {
      const total = 10 * MB
      const chunkSize = 256 * 1024
      const clientHasFirstChunk = signal(false)
      let written = 0
      const upstreamHash = createHash('sha256')
      upstream.handle('/base/download', async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        for (let index = 0; written < total; index += 1) {
          const chunk = patternChunk(index, chunkSize)
          upstreamHash.update(chunk)
          written += chunk.length
          if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve))
          // After the first megabyte, wait for the client to have read something.
          if (written === MB) await clientHasFirstChunk.promise
        }
        res.end()
      })

      const response = await fetch(`${h.server.url}/proxy/download`, { headers: proxyHeaders })
      expect(response.status).toBe(200)
      const reader = response.body!.getReader()
      const clientHash = createHash('sha256')
      const first = await reader.read()
      const writtenWhenClientReadFirst = written
      clientHasFirstChunk.resolve(true)
      let bytes = 0
      for (let chunk = first; !chunk.done; chunk = await reader.read()) {
        clientHash.update(chunk.value)
        bytes += chunk.value.length
      }

      expect(writtenWhenClientReadFirst).toBeLessThan(total)
      expect(bytes).toBe(total)
      expect(clientHash.digest('hex')).toBe(upstreamHash.digest('hex'))
    })
  })

  describe('refresh and retries', () => {
    it('refreshes once and retries when the provider answers 401', async () => {
      h.sandbox.expireAccessTokens()
      const answer = await rawRequest(h.server.url, 'PUT', '/proxy/api/echo', {
        authorization: `Bearer ${h.apiKey}`,
        'connection-id': sandboxConnection,
        'content-type': 'application/json',
      }, '{"small":"body"}')

      expect(answer.status).toBe(200)
      // The small body was held, so it could be sent again after the refresh.
      expect(answer.body.body).toEqual({ small: 'body' })
      expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(1)
      expect(h.sandbox.stats().apiCalls).toBe(2)
    })

    it('honours Retry-After on a 503 and retries a GET once it has passed', async () => {
      upstream.script('/base/flaky', [{ status: 503, headers: { 'retry-after': '1' } }])
      const answer = await rawRequest(h.server.url, 'GET', '/proxy/flaky', proxyHeaders)

      expect(answer.status).toBe(200)
      expect(upstream.arrivals).toHaveLength(2)
      const [first, second] = upstream.arrivals
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(900)
    })

    it('retries a 429 without Retry-After after a backoff, for a DELETE', async () => {
      upstream.script('/base/flaky', [{ status: 429 }, { status: 502 }])
      const answer = await rawRequest(h.server.url, 'DELETE', '/proxy/flaky', proxyHeaders)
      expect(answer.status).toBe(200)
      const methods = upstream.arrivals.map((arrival) => arrival.method)
      expect(methods).toEqual(['DELETE', 'DELETE', 'DELETE'])
    })

    it('does not retry a POST on a 503', async () => {
      upstream.script('/base/flaky', [{ status: 503, headers: { 'retry-after': '0' } }])
      const answer = await rawRequest(h.server.url, 'POST', '/proxy/flaky', proxyHeaders, 'once')
      expect(answer.status).toBe(503)
      expect(upstream.arrivals).toHaveLength(1)
    })

    it('gives up after the configured number of retries and returns the last answer', async () => {
      const down = { status: 503, body: 'still down' }
      upstream.script('/base/flaky', Array.from({ length: 10 }, () => down))
      const answer = await rawRequest(h.server.url, 'GET', '/proxy/flaky', proxyHeaders)
      expect(answer.status).toBe(503)
      expect(answer.body).toBe('still down')
      expect(upstream.arrivals).toHaveLength(4)
    })

    it('returns a 429 at once when its Retry-After is beyond the time budget', async () => {
      upstream.script('/base/flaky', [{ status: 429, headers: { 'retry-after': '3600' } }])
      const answer = await rawRequest(h.server.url, 'GET', '/proxy/flaky', proxyHeaders)
      expect(answer.status).toBe(429)
      expect(answer.headers['retry-after']).toBe('3600')
      expect(upstream.arrivals).toHaveLength(1)
    })

    it('gives patchbay.connection(id).fetch the same retries, refresh and confinement', async () => {
      const connection = h.patchbay.connection(upstreamConnection)
      upstream.script('/base/flaky', [{ status: 503 }, { status: 504 }])
      const get = await connection.fetch('/flaky')
      expect(get.status).toBe(200)
      expect(await get.json()).toMatchObject({ ok: true, path: '/base/flaky' })
      expect(upstream.arrivals).toHaveLength(3)
      expect(upstream.arrivals[0]!.headers['x-upstream-key']).toBe(UPSTREAM_KEY)

      upstream.reset()
      upstream.script('/base/flaky', [{ status: 503 }])
      const post = await connection.fetch('/flaky', { method: 'POST', body: 'x' })
      expect(post.status).toBe(503)
      expect(upstream.arrivals).toHaveLength(1)

      h.sandbox.expireAccessTokens()
      const me = await h.patchbay.connection(sandboxConnection).fetch('/me')
      expect(me.status).toBe(200)
      expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(1)

      const escape = await connection.fetch('/../admin').catch((error: unknown) => error)
      expect(isPatchbayError(escape, 'bad_request')).toBe(true)
    })
  })

  describe('refusals', () => {
    const escapes = [
      '/proxy/../admin',
      '/proxy/%2e%2e/admin',
      '/proxy/a/..%2f..%2fadmin',
      '/proxy/%252e%252e/admin',
      '/proxy//evil.test/x',
      '/proxy/@evil.test',
      '/proxy/http://evil.test/x',
      '/proxy/a%5c..%5cadmin',
    ]
    it.each(escapes)('refuses %s with 400 and sends nothing upstream', async (target) => {
      for (const connection of [upstreamConnection, sandboxConnection]) {
        const answer = await rawRequest(h.server.url, 'GET', target, {
          authorization: `Bearer ${h.apiKey}`,
          'connection-id': connection,
        })
        expect(answer.status).toBe(400)
        expect(answer.body.error.code).toBe('bad_request')
      }
      expect(upstream.arrivals).toHaveLength(0)
      expect(h.sandbox.stats().apiCalls).toBe(0)
    })

    it('refuses a raw backslash in the path before it reaches Patchbay', async () => {
      const answer = await rawRequest(h.server.url, 'GET', '/proxy/a\\..\\admin', proxyHeaders)
      expect(answer.status).toBe(400)
      expect(upstream.arrivals).toHaveLength(0)
    })

    it('asks for Connection-Id, and answers 404 for an unknown one', async () => {
      const missing = await rawRequest(h.server.url, 'GET', '/proxy/flaky', {
        authorization: `Bearer ${h.apiKey}`,
      })
      expect(missing.status).toBe(400)
      expect(missing.body.error.code).toBe('bad_request')
      const unknown = await rawRequest(h.server.url, 'GET', '/proxy/flaky', {
        authorization: `Bearer ${h.apiKey}`,
        'connection-id': 'conn_does_not_exist',
      })
      expect(unknown.status).toBe(404)
      expect(unknown.body.error.code).toBe('not_found')
      expect(upstream.arrivals).toHaveLength(0)
    })

    it('refuses a connection of another integration than the Integration header names', async () => {
      const answer = await rawRequest(h.server.url, 'GET', '/proxy/flaky', {
        ...proxyHeaders,
        integration: 'sandbox',
      })
      expect(answer.status).toBe(400)
      expect(answer.body.error.code).toBe('bad_request')
      const matching = await rawRequest(h.server.url, 'GET', '/proxy/flaky', {
        ...proxyHeaders,
        integration: 'upstream',
      })
      expect(matching.status).toBe(200)
      expect(upstream.arrivals).toHaveLength(1)
    })

    it('needs API authentication', async () => {
      const answer = await rawRequest(h.server.url, 'GET', '/proxy/flaky', {
        'connection-id': upstreamConnection,
      })
      expect(answer.status).toBe(401)
      expect(answer.body.error.code).toBe('unauthorized')
      expect(upstream.arrivals).toHaveLength(0)
    })
  })
})
