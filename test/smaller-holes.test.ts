import { createHmac } from 'node:crypto'
import { createServer, request as httpRequest } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiKey, defineConnector, oauth2 } from '../src/kit/index.js'
import { consent, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

const WEBHOOK_SECRET = 'whk-secret-7d1e0b5c93'

/** A port nothing listens on: listened on, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A provider that accepts connections and never answers. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer(() => undefined)
  server.on('connection', (socket) => sockets.add(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Sends this exact request target (fetch would normalize dot segments away). */
function rawRequest(base: string, target: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const url = new URL(base)
    const req = httpRequest({ host: url.hostname, port: url.port, path: target, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // Not JSON.
        }
        resolve({ status: res.statusCode ?? 0, body })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

function expectPageHeaders(response: Response) {
  expect(response.headers.get('content-type')).toContain('text/html')
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  expect(response.headers.get('x-frame-options')).toBe('DENY')
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
}

describe('smaller holes (issue 8 item 6)', () => {
  let h: Harness
  let upstream: Upstream
  let silent: Awaited<ReturnType<typeof silentServer>>
  let deadPort: number

  beforeAll(async () => {
    upstream = await startUpstream()
    silent = await silentServer()
    deadPort = await closedPort()
    const dead = `http://127.0.0.1:${deadPort}`
    h = await startHarness({
      runtime: { providerTimeoutMs: 300, retry: { retries: 0 } },
      connectors: (sandbox) => [
        defineConnector({
          id: 'up',
          name: 'Up',
          baseUrl: '{{host}}',
          allowHttp: 'loopback',
          settings: z.object({ host: z.url() }),
          auth: apiKey({ header: 'X-Key' }),
          capabilities: {
            ping: {
              request: z.object({}),
              response: z.unknown(),
              run: async (ctx) => ctx.fetchJson('/ping'),
            },
            explode: {
              request: z.object({}),
              response: z.unknown(),
              run: async () => {
                throw new Error('the vault password is hunter2-5ae1')
              },
            },
          },
          webhooks: {
            verify: { signatureHeader: 'x-signature', timestampHeader: 'x-timestamp', signedPayload: '{timestamp}.{body}' },
          },
        }),
        defineConnector({
          id: 'gh-like',
          name: 'GitHub-like',
          settings: z.object({}),
          auth: apiKey({ header: 'X-Key' }),
          webhooks: { verify: { signatureHeader: 'x-hub-signature-256', prefix: 'sha256=' }, idHeader: 'x-github-delivery' },
        }),
        defineConnector({
          id: 'dead-token',
          name: 'Dead token endpoint',
          baseUrl: sandbox.url,
          settings: z.object({}),
          auth: oauth2({
            authorizationUrl: `${sandbox.url}/oauth/authorize`,
            tokenUrl: `${dead}/oauth/token`,
            scopes: ['profile'],
            clientAuth: 'client_secret_basic',
          }),
        }),
        defineConnector({
          id: 'dead-cc',
          name: 'Dead client credentials',
          baseUrl: dead,
          settings: z.object({}),
          auth: oauth2({ grantType: 'client_credentials', tokenUrl: `${dead}/oauth/token` }),
        }),
      ],
    })
    const client = h.sandbox.defaultClient
    for (const [id, connector] of [['up', 'up'], ['gh', 'gh-like'], ['dead-token', 'dead-token'], ['dead-cc', 'dead-cc']]) {
      const answer = await h.api('PUT', `/integrations/${id}`, {
        connector,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        webhook_secret: WEBHOOK_SECRET,
      })
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    }
  })
  afterAll(async () => {
    await h.close()
    await upstream.close()
    await silent.close()
  })

  async function connectionTo(host: string): Promise<string> {
    const created = await h.api('POST', '/connections', { integration: 'up', settings: { host: `http://${host}` }, auth: { api_key: 'k1' } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    return created.body.id
  }

  describe('proxy path parameters', () => {
    it.each(['/proxy/a/..;/admin', '/proxy/.;x/admin', '/proxy/a/..;jsessionid=1/admin', '/proxy/a/%2e%2e;/admin', '/proxy/a/%2E%2E%3B/admin', '/proxy/a/%252e%252e%253b/admin'])(
      'refuses %s and sends nothing upstream',
      async (target) => {
        const id = await connectionTo(upstream.host)
        upstream.reset()
        const answer = await rawRequest(h.server.url, target, { authorization: `Bearer ${h.apiKey}`, 'connection-id': id })
        expect(answer.status).toBe(400)
        expect(answer.body.error.code).toBe('bad_request')
        expect(upstream.arrivals).toHaveLength(0)
      },
    )

    it('still forwards a segment that merely contains ";" or dots', async () => {
      const id = await connectionTo(upstream.host)
      const answer = await rawRequest(h.server.url, '/proxy/a/v1.2;rev=3/...;x', { authorization: `Bearer ${h.apiKey}`, 'connection-id': id })
      expect(answer.status).toBe(200)
    })
  })

  describe('a credential with a line break', () => {
    it('is a bad_request at the proxy that names the header, sends nothing and echoes nothing', async () => {
      const created = await h.api('POST', '/connections', {
        integration: 'up',
        settings: { host: `http://${upstream.host}` },
        auth: { api_key: 'k1\r\nX-Injected: yes' },
      })
      upstream.reset()
      const id = created.status === 201 ? created.body.id : null
      if (id !== null) {
        const answer = await rawRequest(h.server.url, '/proxy/ping', { authorization: `Bearer ${h.apiKey}`, 'connection-id': id })
        expect(answer.status).toBe(400)
        expect(answer.body.error.code).toBe('bad_request')
        expect(JSON.stringify(answer.body)).not.toContain('Injected')
      } else {
        expect(created.status).toBe(400)
        expect(JSON.stringify(created.body)).not.toContain('Injected')
      }
      expect(upstream.arrivals).toHaveLength(0)
    })
  })

  describe('HTML pages', () => {
    it('sends the page CSP, X-Frame-Options and nosniff on a failed callback and a failed start', async () => {
      const callback = await fetch(`${h.server.url}/auth/sandbox/callback?code=x&state=forged`)
      expect(callback.status).toBe(400)
      expectPageHeaders(callback)
      const start = await fetch(`${h.server.url}/auth/sandbox/start`, { redirect: 'manual' })
      expect(start.status).toBe(401)
      expectPageHeaders(start)
      const css = await fetch(`${h.server.url}/assets/page.css`)
      expect(css.headers.get('content-type')).toContain('text/css')
    })

    it('sends them on the connected page, which has no inline style', async () => {
      const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox' })
      const { callbackUrl, cookie } = await consent(session.body.url)
      const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
      expect(landing.status).toBe(200)
      expectPageHeaders(landing)
      const html = await landing.text()
      expect(html).toContain('Connected to Sandbox')
      expect(html).not.toMatch(/<style|style="/)
    })
  })

  describe('redirect targets', () => {
    it.each(['blob:{origin}/0f1e2d3c', 'javascript:alert(document.domain)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'ftp://{host}/x'])(
      'refuses %s as a redirect target',
      async (template) => {
        const origin = h.server.url
        const redirect = template.replace('{origin}', origin).replace('{host}', new URL(origin).host)
        const answer = await h.api('POST', '/connect/sessions', { integration: 'sandbox', redirect })
        expect(answer.status).toBe(400)
        expect(answer.body.error.code).toBe('bad_request')
        const start = await fetch(`${origin}/auth/sandbox/start?redirect=${encodeURIComponent(redirect)}`, {
          headers: { authorization: `Bearer ${h.apiKey}` },
          redirect: 'manual',
        })
        expect(start.status).toBe(400)
        expect(start.headers.get('location')).toBeNull()
      },
    )
  })

  describe('webhook replay', () => {
    const post = (integration: string, body: string, headers: Record<string, string>) =>
      fetch(`${h.server.url}/webhooks/${integration}`, { method: 'POST', headers, body })

    it('refuses a second delivery with the same webhook-id within the tolerance window', async () => {
      const body = JSON.stringify({ type: 'thing.updated', id: 1 })
      const timestamp = String(Math.floor(Date.now() / 1000))
      const signature = createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${body}`).digest('hex')
      const headers = { 'x-signature': signature, 'x-timestamp': timestamp, 'webhook-id': 'msg_replayed_1' }
      const first = await post('up', body, headers)
      expect(first.status).toBe(200)
      const replay = await post('up', body, headers)
      expect(replay.status).toBe(401)
      expect(((await replay.json()) as any).error.message).toContain('already received')
      const another = await post('up', body, { ...headers, 'webhook-id': 'msg_other_2' })
      expect(another.status).toBe(200)
    })

    it("uses the connector's declared id header", async () => {
      const body = JSON.stringify({ action: 'opened' })
      const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`
      const headers = { 'x-hub-signature-256': signature, 'x-github-delivery': '72d3162e-cc78-11e3' }
      expect((await post('gh', body, headers)).status).toBe(200)
      expect((await post('gh', body, headers)).status).toBe(401)
    })

    it('does not burn an id with a forged signature', async () => {
      const body = JSON.stringify({ type: 'x' })
      const timestamp = String(Math.floor(Date.now() / 1000))
      const forged = await post('up', body, { 'x-signature': '00'.repeat(32), 'x-timestamp': timestamp, 'webhook-id': 'msg_real_3' })
      expect(forged.status).toBe(401)
      const signature = createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${body}`).digest('hex')
      const real = await post('up', body, { 'x-signature': signature, 'x-timestamp': timestamp, 'webhook-id': 'msg_real_3' })
      expect(real.status).toBe(200)
    })
  })

  describe('unreachable and silent providers', () => {
    it('answers the proxy with provider_error for a closed port and timeout for a silent one', async () => {
      const dead = await connectionTo(`127.0.0.1:${deadPort}`)
      const refused = await rawRequest(h.server.url, '/proxy/x', { authorization: `Bearer ${h.apiKey}`, 'connection-id': dead })
      expect(refused.status).toBe(502)
      expect(refused.body.error.code).toBe('provider_error')
      const hanging = await connectionTo(new URL(silent.url).host)
      const timedOut = await rawRequest(h.server.url, '/proxy/x', { authorization: `Bearer ${h.apiKey}`, 'connection-id': hanging })
      expect(timedOut.status).toBe(504)
      expect(timedOut.body.error.code).toBe('timeout')
    })

    it('answers capability calls with provider_error and timeout', async () => {
      const dead = await connectionTo(`127.0.0.1:${deadPort}`)
      const refused = await h.api('POST', `/connections/${dead}/capabilities/ping`, { request: {} })
      expect(refused.body.error.code).toBe('provider_error')
      expect(refused.status).toBe(502)
      const hanging = await connectionTo(new URL(silent.url).host)
      const timedOut = await h.api('POST', `/connections/${hanging}/capabilities/ping`, { request: {} })
      expect(timedOut.body.error.code).toBe('timeout')
    })

    it('answers a token exchange with an unreachable token endpoint with provider_error', async () => {
      const session = await h.api('POST', '/connect/sessions', { integration: 'dead-token' })
      expect(session.status).toBe(201)
      const { callbackUrl, cookie } = await consent(session.body.url)
      const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
      expect(landing.status).toBe(502)
      const html = await landing.text()
      expect(html).toContain('provider_error')
      expect(html).not.toContain('internal')
    })

    it('answers a client-credentials token request to a closed port with provider_error', async () => {
      const created = await h.api('POST', '/connections', { integration: 'dead-cc' })
      expect(created.status).toBe(502)
      expect(created.body.error.code).toBe('provider_error')
    })
  })

  describe('errors from outside Patchbay', () => {
    it('reaches the caller as a generic internal error with the request id; its text is only logged', async () => {
      const id = await connectionTo(upstream.host)
      const response = await fetch(`${h.server.url}/connections/${id}/capabilities/explode`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json', 'x-request-id': 'req-explode-1' },
        body: JSON.stringify({ request: {} }),
      })
      expect(response.status).toBe(500)
      expect(response.headers.get('x-request-id')).toBe('req-explode-1')
      const text = await response.text()
      expect(text).not.toContain('hunter2')
      const body = JSON.parse(text)
      expect(body.error.code).toBe('internal')
      expect(body.error.message).toContain('req-explode-1')
      expect(body.error.details).toEqual({ request_id: 'req-explode-1' })
      expect(h.logs.some((line) => line.includes('hunter2') && line.includes('req-explode-1'))).toBe(true)
    })
  })
})
