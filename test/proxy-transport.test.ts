import { randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiKey, defineConnector } from '../src/kit/index.js'
import { createServerApp } from '../src/server/index.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

// The proxy's transport (issue 9 item 2): what a caller and a provider can observe of it beyond
// test/proxy.test.ts — connections kept alive to the provider, a caller's abort reaching the
// provider, compressed answers passed through untouched, and the same proxy without the Node
// adapter or over a host's own fetch.

const UPSTREAM_KEY = 'upstream-key-0d7e4b2c91'

const upstreamConnector = defineConnector({
  id: 'upstream',
  name: 'Upstream',
  baseUrl: '{{host}}/base',
  allowHttp: 'loopback',
  settings: z.object({ host: z.url() }),
  auth: apiKey({ header: 'X-Upstream-Key' }),
})

/** Sends one request on a fresh connection and reads the answer's bytes as they came. */
function rawRequest(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base)
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
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

async function connectUpstream(h: Harness, upstream: Upstream): Promise<string> {
  expect((await h.api('PUT', '/integrations/upstream', { connector: 'upstream' })).status).toBe(200)
  const created = await h.api('POST', '/connections', {
    integration: 'upstream',
    settings: { host: upstream.url },
    auth: { apiKey: UPSTREAM_KEY },
  })
  expect(created.status).toBe(201)
  return created.body.id
}

describe('the proxy transport', () => {
  let h: Harness
  let upstream: Upstream
  let headers: Record<string, string>

  beforeAll(async () => {
    upstream = await startUpstream()
    h = await startHarness({ connectors: () => [upstreamConnector] })
    headers = { authorization: `Bearer ${h.apiKey}`, 'connection-id': await connectUpstream(h, upstream) }
  })
  afterAll(async () => {
    await h.close()
    await upstream.close()
  })
  beforeEach(() => upstream.reset())

  it('reuses one provider connection for requests that arrive one after another', async () => {
    const ports: number[] = []
    upstream.handle('/base/ping', (req, res) => {
      ports.push(req.socket.remotePort ?? 0)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"pong":true}')
    })
    // Each caller request comes on a connection of its own; the provider still sees one.
    for (let i = 0; i < 5; i += 1) {
      const answer = await rawRequest(h.server.url, 'GET', '/proxy/ping', headers)
      expect(answer.status).toBe(200)
    }
    expect(ports).toHaveLength(5)
    expect(new Set(ports).size).toBe(1)
  })

  it('passes a gzip answer through as the provider sent it, bytes and headers', async () => {
    const json = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i })) })
    const gzipped = gzipSync(json)
    upstream.handle('/base/compressed', (req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': String(gzipped.length),
        'x-seen-accept-encoding': String(req.headers['accept-encoding']),
      })
      res.end(gzipped)
    })
    const answer = await rawRequest(h.server.url, 'GET', '/proxy/compressed', {
      ...headers,
      'accept-encoding': 'gzip',
    })
    expect(answer.status).toBe(200)
    expect(answer.headers['content-encoding']).toBe('gzip')
    expect(answer.headers['content-length']).toBe(String(gzipped.length))
    expect(answer.headers['x-seen-accept-encoding']).toBe('gzip')
    expect(answer.bytes.equals(gzipped)).toBe(true)
  })

  it('closes the provider request when the caller goes away before the answer', async () => {
    const arrived = signal(false)
    const closed = signal(false)
    upstream.handle('/base/slow', (_req, res) => {
      res.on('close', () => closed.resolve(true))
      arrived.resolve(true)
    })
    const controller = new AbortController()
    const pending = fetch(`${h.server.url}/proxy/slow`, { headers, signal: controller.signal }).catch(
      (error: unknown) => error,
    )
    expect(await arrived.promise).toBe(true)
    controller.abort()
    expect(await closed.promise).toBe(true)
    expect(await pending).toBeInstanceOf(Error)
  })

  it('stops the provider streaming when the caller stops reading and goes away', async () => {
    const closedUnfinished = signal<boolean | null>(null)
    upstream.handle('/base/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = randomBytes(64 * 1024)
      const timer = setInterval(() => res.write(chunk), 5)
      res.on('close', () => {
        clearInterval(timer)
        closedUnfinished.resolve(!res.writableFinished)
      })
    })
    const controller = new AbortController()
    const response = await fetch(`${h.server.url}/proxy/endless`, { headers, signal: controller.signal })
    expect(response.status).toBe(200)
    const first = await response.body!.getReader().read()
    expect(first.value?.length).toBeGreaterThan(0)
    controller.abort()
    expect(await closedUnfinished.promise).toBe(true)
  })

  it('logs each proxied request once, under the id it answers with, without its query', async () => {
    const before = h.logs.length
    const answer = await rawRequest(h.server.url, 'GET', '/proxy/logged?token=q-secret-1', {
      ...headers,
      'x-request-id': 'trace-proxy.1',
    })
    expect(answer.status).toBe(200)
    expect(answer.headers['x-request-id']).toBe('trace-proxy.1')
    const lines = h.logs.slice(before).map((line) => JSON.parse(line))
    expect(lines.filter((line) => line.msg === 'request')).toEqual([
      expect.objectContaining({
        request_id: 'trace-proxy.1',
        method: 'GET',
        path: '/proxy/logged',
        status: 200,
        caller: 'env',
        duration_ms: expect.any(Number),
      }),
    ])
    expect(h.logs.slice(before).join('\n')).not.toContain('q-secret-1')
  })

  it('refuses a proxied request without a valid key exactly as other API routes do', async () => {
    const wrong = { authorization: 'Bearer wrong-key-0000', 'connection-id': headers['connection-id']! }
    for (const sent of [wrong, { 'connection-id': headers['connection-id']! }]) {
      const proxied = await rawRequest(h.server.url, 'GET', '/proxy/ping', sent)
      const api = await rawRequest(h.server.url, 'GET', '/connections', sent)
      expect(proxied.status).toBe(401)
      expect(proxied.headers['www-authenticate']).toBe(api.headers['www-authenticate'])
      expect(proxied.headers['content-type']).toBe(api.headers['content-type'])
      const body = (bytes: Buffer) => {
        const { raised_in: _, ...rest } = JSON.parse(bytes.toString('utf8')).error
        return rest
      }
      expect(body(proxied.bytes)).toEqual(body(api.bytes))
    }
    expect(upstream.arrivals).toHaveLength(0)
  })

  it('answers the same through app.fetch, without the Node adapter', async () => {
    upstream.handle('/base/upload', async (req, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      res.writeHead(201, { 'content-type': 'text/plain', connection: 'x-hop', 'x-hop': 'dropped' })
      res.end(`got ${Buffer.concat(chunks).toString('utf8')} with ${req.headers['x-upstream-key']}`)
    })
    const app = createServerApp({ patchbay: h.patchbay, apiKeys: [h.apiKey] })
    const parts = ['streamed ', 'body']
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift()
        if (part === undefined) controller.close()
        else controller.enqueue(new TextEncoder().encode(part))
      },
    })
    const response = await app.fetch(
      new Request('http://patchbay.test/proxy/upload?x=1', {
        method: 'POST',
        headers: { ...headers, 'transfer-encoding': 'chunked' },
        body,
        duplex: 'half',
      } as RequestInit),
    )
    expect(response.status).toBe(201)
    expect(response.headers.has('x-hop')).toBe(false)
    expect(await response.text()).toBe(`got streamed body with ${UPSTREAM_KEY}`)
    expect(upstream.arrivals[0]!.url).toBe('/base/upload?x=1')
  })
})

describe('the proxy over a fetch the host gave the runtime', () => {
  let h: Harness
  let upstream: Upstream
  const seen: string[] = []

  beforeAll(async () => {
    upstream = await startUpstream()
    h = await startHarness({
      connectors: () => [upstreamConnector],
      runtime: {
        fetch: (input, init) => {
          seen.push(String(input instanceof Request ? input.url : input))
          return fetch(input, init)
        },
      },
    })
  })
  afterAll(async () => {
    await h.close()
    await upstream.close()
  })

  it('sends the proxied request through it, body and credentials included', async () => {
    const id = await connectUpstream(h, upstream)
    const answer = await fetch(`${h.server.url}/proxy/things?a=1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.apiKey}`, 'connection-id': id, 'content-type': 'text/plain' },
      body: 'payload',
    })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ ok: true, path: '/base/things', body: 'payload' })
    expect(seen).toContain(`${upstream.url}/base/things?a=1`)
    expect(upstream.arrivals.at(-1)!.headers['x-upstream-key']).toBe(UPSTREAM_KEY)
  })
})
