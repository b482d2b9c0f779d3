import { createServer } from 'node:net'
import type { AddressInfo, Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiKey, defineConnector, oauth2 } from '../src/kit/index.js'
import { openSqliteStore } from '../src/store/index.js'
import { createWorkspace } from './helpers/cli.js'
import { connectSession, pageApi } from './helpers/connect-page.js'
import { consent, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

// Issue 8 item 1: an end user's settings must never move a templated URL to another host. Every
// attack below points at CAPTURE, a TCP listener on loopback that must see no connection at all:
// before the fix, `127.0.0.1:<capture>/x#` as a subdomain sent the validate request (API key)
// and the token request (client secret, code, PKCE verifier) there.

/** A TCP listener that counts connections: TLS or plain HTTP, anything that reaches it counts. */
async function startCapture(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0
  const server: Server = createServer((socket) => {
    count += 1
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let capture: Awaited<ReturnType<typeof startCapture>>
let upstream: Upstream
let h: Harness

/** Values an end user might send as a subdomain; several aim straight at the capture listener. */
function hostAttacks(port: number): string[] {
  return [
    `127.0.0.1:${port}/x#`,
    `127.0.0.1:${port}/x?`,
    `127.0.0.1:${port}\\`,
    `localhost:${port}/`,
    'attacker.example:443/x#',
    'attacker.example',
    `a@127.0.0.1:${port}/`,
    'a@b',
    'x/../',
    '%2e',
    'a?x=',
    'a#',
    'evil.com\\',
    'ACME',
    'аcme', // Cyrillic а
    'acme。evil', // ideographic full stop, which IDNA turns into "."
    'a\r\nHost: evil',
    '',
    '-acme',
  ]
}

/** Values for a `format: "uri"` setting (https only, this connector allows no http). */
function instanceAttacks(port: number): string[] {
  return [
    `http://127.0.0.1:${port}`,
    `https://x@127.0.0.1:${port}`,
    `https://127.0.0.1:${port}#`,
    `https://127.0.0.1:${port}/?a=`,
    `https://127.0.0.1:${port}\\@good.test`,
    `javascript:alert(1)`,
    `ftp://127.0.0.1:${port}`,
    `127.0.0.1:${port}`,
    `https://good.test\r\n@127.0.0.1:${port}`,
    '',
  ]
}

beforeAll(async () => {
  capture = await startCapture()
  upstream = await startUpstream()
  const attacked = `tenant.test`
  h = await startHarness({
    connectors: (sandbox) => [
      // The case: the token URL (and the base URL) take a subdomain from settings.
      defineConnector({
        id: 'tenant-oauth',
        name: 'Tenant OAuth',
        settings: z.object({ subdomain: z.string() }),
        baseUrl: `http://{{subdomain}}.${attacked}/api`,
        auth: oauth2({
          authorizationUrl: `${sandbox.url}/oauth/authorize`,
          tokenUrl: `http://{{subdomain}}.${attacked}/oauth/token`,
          profile: { request: '/me', accountName: 'login' },
        }),
      }),
      defineConnector({
        id: 'tenant-keys',
        name: 'Tenant keys',
        settings: z.object({ subdomain: z.string() }),
        baseUrl: `http://{{subdomain}}.${attacked}/api`,
        auth: apiKey({ header: 'X-API-Key', validate: '/me' }),
      }),
      // A self-hosted instance: the whole base URL is a setting, https only.
      defineConnector({
        id: 'instance',
        name: 'Self-hosted',
        settings: z.object({ instanceUrl: z.url() }),
        baseUrl: '{{instanceUrl}}/api',
        auth: apiKey({ header: 'X-API-Key', validate: '/me' }),
      }),
      // The same, allowed plain http on loopback (how a developer points it at the sandbox).
      defineConnector({
        id: 'instance-dev',
        name: 'Self-hosted (dev)',
        allowHttp: 'loopback',
        settings: z.object({ instanceUrl: z.url() }),
        baseUrl: '{{instanceUrl}}',
        auth: apiKey({ header: 'X-API-Key', validate: '/apikey/me' }),
      }),
      // A fixed host with the tenant in the path: values are percent-encoded, never refused
      // unless they are dot segments.
      defineConnector({
        id: 'tenant-path',
        name: 'Tenant path',
        settings: z.object({ tenant: z.string() }),
        baseUrl: `${upstream.url}/tenants/{{tenant}}`,
        auth: apiKey({ header: 'X-API-Key', validate: '/me' }),
      }),
    ],
  })
  for (const id of ['tenant-oauth', 'tenant-keys', 'instance', 'instance-dev', 'tenant-path']) {
    const client = h.sandbox.defaultClient
    const put = await h.api('PUT', `/integrations/${id}`, {
      connector: id,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    })
    if (put.status !== 200) throw new Error(`PUT /integrations/${id}: ${JSON.stringify(put.body)}`)
  }
})

afterAll(async () => {
  await h?.close()
  await upstream?.close()
  await capture?.close()
})

async function connectionCount(): Promise<number> {
  return (await h.api('GET', '/connections')).body.connections.length
}

/** A refusal: 400 `bad_request` naming the setting, never echoing the value. */
function expectRefusal(status: number, error: any, setting: string, value: string) {
  expect({ status, code: error?.code }).toEqual({ status: 400, code: 'bad_request' })
  expect(error.message).toContain(`"${setting}"`)
  if (value.length > 3) expect(JSON.stringify(error)).not.toContain(value)
}

describe('settings filled into templated URLs (issue 8)', () => {
  it('POST /connections refuses every host attack on the base URL, storing and sending nothing', async () => {
    const before = await connectionCount()
    for (const subdomain of hostAttacks(capture.port)) {
      const answer = await h.api('POST', '/connections', {
        integration: 'tenant-keys',
        settings: { subdomain },
        auth: { apiKey: 'tenant-key-0a9f' },
      })
      expectRefusal(answer.status, answer.body.error, 'subdomain', subdomain)
    }
    expect(await connectionCount()).toBe(before)
    expect(capture.connections()).toBe(0)
  })

  it('GET /auth/:integration/start?settings= refuses a subdomain aimed at the token URL, before any redirect', async () => {
    for (const subdomain of hostAttacks(capture.port)) {
      const settings = encodeURIComponent(JSON.stringify({ subdomain }))
      const start = await fetch(`${h.server.url}/auth/tenant-oauth/start?settings=${settings}`, {
        redirect: 'manual',
        headers: { authorization: `Bearer ${h.apiKey}` },
      })
      expect(start.headers.get('location')).toBeNull()
      const text = await start.text()
      expect(start.status).toBe(400)
      expect(text).not.toContain(`127.0.0.1:${capture.port}`)
    }
    // Had a start slipped through, finishing the flow is what would post the client secret,
    // the code and the PKCE verifier to the capture listener: play it through to be sure.
    const settings = encodeURIComponent(JSON.stringify({ subdomain: `127.0.0.1:${capture.port}/x#` }))
    const startUrl = `${h.server.url}/auth/tenant-oauth/start?settings=${settings}`
    const played = await consent(startUrl, 'approve', { authorization: `Bearer ${h.apiKey}` }).catch(
      (error: Error) => error,
    )
    expect(played).toBeInstanceOf(Error)
    expect((played as Error).message).toMatch(/^start answered 400/)
    expect(capture.connections()).toBe(0)
  })

  it('the Connect page refuses the same values, in its form API and its OAuth start, and the session stays usable', async () => {
    const before = await connectionCount()
    const session = await connectSession(h, { integrations: ['tenant-keys', 'tenant-oauth'] })
    for (const subdomain of hostAttacks(capture.port)) {
      const form = await pageApi(h, '/connect/api/connections', session.token, {
        integration: 'tenant-keys',
        settings: { subdomain },
        auth: { apiKey: 'tenant-key-0a9f' },
      })
      expectRefusal(form.status, form.body.error, 'subdomain', subdomain)
      const oauth = await pageApi(h, '/connect/api/oauth/start', session.token, {
        integration: 'tenant-oauth',
        settings: { subdomain },
      })
      expectRefusal(oauth.status, oauth.body.error, 'subdomain', subdomain)
    }
    // Refusals leave the session live: a good value still starts the flow.
    const good = await pageApi(h, '/connect/api/oauth/start', session.token, {
      integration: 'tenant-oauth',
      settings: { subdomain: 'acme' },
    })
    expect(good.status).toBe(200)
    expect(new URL(good.body.url).origin).toBe(h.sandbox.url)
    expect(await connectionCount()).toBe(before)
    expect(capture.connections()).toBe(0)
  })

  it('a format uri setting must be https without userinfo, query or fragment', async () => {
    const before = await connectionCount()
    for (const instanceUrl of instanceAttacks(capture.port)) {
      const answer = await h.api('POST', '/connections', {
        integration: 'instance',
        settings: { instanceUrl },
        auth: { apiKey: 'instance-key-77c1' },
      })
      expect(answer.status).toBe(400)
      expect(answer.body.error.code).toBe('bad_request')
      expect(JSON.stringify(answer.body.error)).toContain('instanceUrl')
    }
    expect(await connectionCount()).toBe(before)
    expect(capture.connections()).toBe(0)
  })

  it('with allowHttp loopback, an http instance on this machine connects, and userinfo or a fragment still cannot move it', async () => {
    const created = await h.api('POST', '/connections', {
      integration: 'instance-dev',
      settings: { instanceUrl: `${h.sandbox.url}/` },
      auth: { apiKey: h.sandbox.apiKey },
    })
    expect(created.status).toBe(201)
    const before = await connectionCount()
    for (const instanceUrl of [
      `${h.sandbox.url}@127.0.0.1:${capture.port}`,
      `http://u:p@127.0.0.1:${capture.port}`,
      `http://127.0.0.1:${capture.port}/#`,
      `http://attacker.example`,
    ]) {
      const answer = await h.api('POST', '/connections', {
        integration: 'instance-dev',
        settings: { instanceUrl },
        auth: { apiKey: h.sandbox.apiKey },
      })
      expect(answer.status).toBe(400)
      expect(answer.body.error.code).toBe('bad_request')
    }
    expect(await connectionCount()).toBe(before)
    expect(capture.connections()).toBe(0)
  })

  it('percent-encodes a tenant in a path position, so the request stays under the template’s path', async () => {
    upstream.reset()
    const created = await h.api('POST', '/connections', {
      integration: 'tenant-path',
      settings: { tenant: `../../x?y=1#z` },
      auth: { apiKey: 'path-key-51d0' },
    })
    expect(created.status).toBe(201)
    expect(upstream.arrivals.map((arrival) => arrival.url)).toEqual([
      '/tenants/..%2F..%2Fx%3Fy%3D1%23z/me',
    ])
    for (const tenant of ['..', '.', '']) {
      const refused = await h.api('POST', '/connections', {
        integration: 'tenant-path',
        settings: { tenant },
        auth: { apiKey: 'path-key-51d0' },
      })
      expect(refused.status).toBe(400)
      expect(refused.body.error.message).toContain('"tenant"')
    }
    expect(upstream.arrivals).toHaveLength(1)
  })

  it('a connection stored with a hostile subdomain (before the fix) is refused by the proxy and by refresh, sending nothing', async () => {
    // Rows written by an older Patchbay: planted through the store, as that version would have.
    const store = openSqliteStore({ path: h.dbPath, keyRing: h.keyRing })
    const subdomain = `127.0.0.1:${capture.port}/x#`
    await store.saveConnection({
      id: 'conn_legacy_keys',
      integrationId: 'tenant-keys',
      settings: { subdomain },
      credentials: { apiKey: 'legacy-key-3b2e' },
    })
    await store.saveConnection({
      id: 'conn_legacy_oauth',
      integrationId: 'tenant-oauth',
      settings: { subdomain },
      credentials: { accessToken: 'legacy-at-8c1f', refreshToken: 'legacy-rt-8c1f', tokenType: 'Bearer' },
      expiresAt: Math.floor(Date.now() / 1000) - 60,
    })
    await store.close?.()
    h.secrets.push('legacy-key-3b2e', 'legacy-at-8c1f', 'legacy-rt-8c1f')

    for (const id of ['conn_legacy_keys', 'conn_legacy_oauth']) {
      const proxied = await fetch(`${h.server.url}/proxy/things`, {
        headers: { authorization: `Bearer ${h.apiKey}`, 'connection-id': id },
      })
      const body = (await proxied.json()) as any
      expectRefusal(proxied.status, body.error, 'subdomain', subdomain)
    }
    const refreshed = await h.api('POST', '/connections/conn_legacy_oauth/refresh')
    expect(refreshed.status).toBe(400)
    expect(refreshed.body.error.code).toBe('bad_request')
    expect(capture.connections()).toBe(0)
  })
})

describe('patchbay call with inline settings (the built CLI; `npm run build` first)', () => {
  it('exits 2 with a bad_request envelope naming the setting, sending nothing', async () => {
    const ws = createWorkspace()
    try {
      ws.writeConnector('tenant-keys.json', {
        id: 'tenant-keys',
        name: 'Tenant keys',
        baseUrl: 'http://{{subdomain}}.tenant.test/api',
        settings: { type: 'object', properties: { subdomain: { type: 'string' } }, required: ['subdomain'] },
        auth: { type: 'api_key', header: 'X-API-Key', validate: '/me' },
      })
      const attacks = [`127.0.0.1:${capture.port}/x#`, `a@127.0.0.1:${capture.port}/`, 'x/../', 'a\r\nb']
      const results = await Promise.all(
        attacks.map((subdomain) =>
          ws.run([
            'call',
            'tenant-keys',
            'validate_credentials',
            '--json',
            JSON.stringify({ auth: { apiKey: 'cli-key-6d1a' }, settings: { subdomain }, request: {} }),
          ]),
        ),
      )
      for (const result of results) {
        expect(result.code, result.stdout + result.stderr).toBe(2)
        expect(result.json.error.code).toBe('bad_request')
        expect(result.json.error.message).toContain('"subdomain"')
        expect(result.stdout).not.toContain(`127.0.0.1:${capture.port}`)
      }
      expect(capture.connections()).toBe(0)
    } finally {
      ws.remove()
    }
  })
})
