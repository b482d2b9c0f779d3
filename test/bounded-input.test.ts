import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { sendLargeBody } from './helpers/large-body.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

const MB = 1024 * 1024
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`

// Issue 8 item 3: every body is bounded, deep nesting is a bad_request.
describe('bounded input (issue 8)', () => {
  let h: Harness
  let small: Harness
  let upstream: Upstream

  beforeAll(async () => {
    upstream = await startUpstream()
    h = await startHarness()
    small = await startHarness({ server: { limits: { bodyBytes: 2048, proxyBytes: 256 * 1024 } } })
  })
  afterAll(async () => {
    await h.close()
    await small.close()
    await upstream.close()
  })

  describe('body size', () => {
    it('answers an 8 MB chunked callback body with 413 before the upload is done, and closes', async () => {
      const answer = await sendLargeBody(h.server.url, 'POST', '/auth/sandbox/callback', 8 * MB, {
        chunked: true,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      expect(answer.status).toBe(413)
      expect(answer.body.error).toMatchObject({ code: 'bad_request', status_code: 413 })
      expect(answer.headers['connection']).toBe('close')
      expect(answer.sentWhenAnswered).toBeLessThan(8 * MB)
    })

    it('answers a callback declaring 8 MB with 413 without reading it', async () => {
      const answer = await sendLargeBody(h.server.url, 'POST', '/auth/sandbox/callback', 8 * MB, {
        chunked: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      expect(answer.status).toBe(413)
      expect(answer.body.error.code).toBe('bad_request')
      expect(answer.sentWhenAnswered).toBeLessThan(8 * MB)
    })

    it('still reads a form_post callback of normal size (the state is judged, not the size)', async () => {
      const response = await fetch(`${h.server.url}/auth/sandbox/callback`, {
        method: 'POST',
        body: new URLSearchParams({ code: 'x'.repeat(2000), state: 'not-a-state' }),
        redirect: 'manual',
      })
      expect(response.status).toBe(400)
      expect(await response.text()).toContain('state_mismatch')
    })

    it('refuses a JSON body over 1 MiB with 413 and the envelope, unauthenticated or not', async () => {
      const body = JSON.stringify({ integration: 'sandbox', settings: { pad: 'x'.repeat(MB) } })
      const answer = await h.api('POST', '/connections', body)
      expect(answer.status).toBe(413)
      expect(answer.body.error).toMatchObject({ code: 'bad_request', status_code: 413 })
      const chunked = await sendLargeBody(h.server.url, 'POST', '/connections', 3 * MB, {
        chunked: true,
        headers: { 'content-type': 'application/json' },
      })
      expect(chunked.status).toBe(413)
    })

    it('takes its JSON limit from the configuration', async () => {
      const over = await small.api('POST', '/connect/sessions', { integration: 'sandbox', end_user: 'x'.repeat(3000) })
      expect(over.status).toBe(413)
      expect(over.body.error.message).toContain('2048')
      const under = await small.api('POST', '/connect/sessions', { integration: 'sandbox' })
      expect(under.status).toBe(201)
    })

    it('bounds provider webhooks too', async () => {
      const answer = await sendLargeBody(h.server.url, 'POST', '/webhooks/sandbox', 4 * MB, {
        chunked: true,
        headers: { 'content-type': 'application/json' },
      })
      expect(answer.status).toBe(413)
    })

    it('counts a proxied body as it streams and refuses it past the proxy limit', async () => {
      await small.patchbay.connectors.put('up', {
        id: 'up',
        name: 'Up',
        baseUrl: upstream.url,
        settings: { type: 'object', properties: {} },
        auth: { type: 'api_key', header: 'X-Key' },
      })
      await small.api('PUT', '/integrations/up', { connector: 'up' })
      const created = await small.api('POST', '/connections', { integration: 'up', auth: { apiKey: 'k' } })
      expect(created.status).toBe(201)
      const headers = { authorization: `Bearer ${small.apiKey}`, 'connection-id': created.body.id }
      let received = 0
      upstream.handle('/upload', (req, res) => {
        // The proxy may cut the body off mid-way: that ends the request, it is not a failure here.
        req.on('data', (chunk: Buffer) => (received += chunk.length))
        req.on('error', () => undefined)
        req.on('end', () => res.end(JSON.stringify({ received })))
      })
      // Larger than the JSON limit: the proxy has its own.
      const fits = await sendLargeBody(small.server.url, 'POST', '/proxy/upload', 100 * 1024, { chunked: true, headers })
      expect(fits.status).toBe(200)
      expect(fits.body).toEqual({ received: 100 * 1024 })
      const declared = await sendLargeBody(small.server.url, 'POST', '/proxy/upload', 4 * MB, { chunked: false, headers })
      expect(declared.status).toBe(413)
      const streamed = await sendLargeBody(small.server.url, 'POST', '/proxy/upload', 4 * MB, { chunked: true, headers })
      expect(streamed.status).toBe(413)
    })
  })

  describe('nesting depth', () => {
    it('answers a 20,000-level nested body with 400 bad_request, not a stack overflow', async () => {
      const answer = await h.api('POST', '/connections', `{"integration":"sandbox","settings":{"a":${nested(20_000)}}}`)
      expect(answer.status).toBe(400)
      expect(answer.body.error.code).toBe('bad_request')
      expect(answer.body.error.message).toContain('64 levels')
      const capability = await h.api('POST', '/connections/nope/capabilities/list_items', `{"request":${nested(20_000)}}`)
      expect(capability.status).toBe(400)
      expect(capability.body.error.code).toBe('bad_request')
    })

    it('accepts 64 levels and refuses 65', async () => {
      const deep = (levels: number) => `{"integration":"sandbox","settings":{"a":${nested(levels - 2)}}}`
      const at = await h.api('POST', '/connect/sessions', deep(64).replace('"settings"', '"end_user":"u","x"'))
      // 64 levels pass the depth check and reach the schema, which names the unknown key.
      expect(at.status).toBe(400)
      expect(at.body.error.message).not.toContain('levels')
      const over = await h.api('POST', '/connect/sessions', deep(65).replace('"settings"', '"end_user":"u","x"'))
      expect(over.status).toBe(400)
      expect(over.body.error.message).toContain('64 levels')
    })

    it('refuses deeply nested settings in a start URL', async () => {
      // A URL holds about 16 KB (Node answers 431 past that), enough for 100 levels.
      const settings = encodeURIComponent(`{"a":${nested(100)}}`)
      const response = await fetch(`${h.server.url}/auth/sandbox/start?settings=${settings}`, {
        headers: { authorization: `Bearer ${h.apiKey}` },
        redirect: 'manual',
      })
      expect(response.status).toBe(400)
      expect(await response.text()).toContain('bad_request')
    })
  })

  describe('integration ids', () => {
    it.each(['has space', '-leading-dash', '.hidden', 'x'.repeat(129), 'semi;colon', 'ünïcode'])(
      'refuses the integration id %j as bad_request and stores nothing',
      async (id) => {
        const answer = await h.api('PUT', `/integrations/${encodeURIComponent(id)}`, { connector: 'sandbox' })
        expect(answer.status).toBe(400)
        expect(answer.body.error.code).toBe('bad_request')
        expect((await h.patchbay.integrations.list()).map((i) => i.id)).not.toContain(id)
      },
    )

    it('accepts ids shaped like connection ids', async () => {
      const answer = await h.api('PUT', '/integrations/github-prod.eu:2', { connector: 'sandbox' })
      expect(answer.status).toBe(200)
      await expect(h.patchbay.integrations.put({
        id: '../etc', connectorId: 'sandbox', clientId: null, clientSecret: null, scopes: null, redirectUri: null,
      })).rejects.toMatchObject({ code: 'bad_request' })
    })
  })
})

