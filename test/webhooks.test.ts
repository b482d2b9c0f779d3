import { createHmac, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiKey, defineConnector } from '../src/kit/index.js'
import { createWebhookDispatcher } from '../src/runtime/index.js'
import { openSqliteStore, parseKeyRing } from '../src/store/index.js'
import { createWorkspace } from './helpers/cli.js'
import { credentialsOf } from './helpers/connectors.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { startWebhookReceiver } from './helpers/webhook-receiver.js'
import type { ReceivedHook, WebhookReceiver } from './helpers/webhook-receiver.js'

const envSecret = `whsec_${randomBytes(32).toString('base64')}`
const logtoSigningKey = `logto-${randomBytes(16).toString('hex')}`
const stampedKey = `stamped-${randomBytes(16).toString('hex')}`

/** Logto signs `logto-signature-sha-256`: the hex HMAC-SHA256 of the raw body. */
const logto = defineConnector({
  id: 'logto',
  name: 'Logto',
  settings: z.object({}),
  auth: apiKey({ header: 'Authorization' }),
  webhooks: {
    verify: { signatureHeader: 'logto-signature-sha-256', algorithm: 'sha256', encoding: 'hex' },
    handle: (payload) => {
      const event = payload as { event: string; data: { id: string; username: string } }
      return {
        type: `user.${event.event.split('.')[1]?.toLowerCase()}`,
        data: { user_id: event.data.id },
      }
    },
  },
})

/** A provider that signs `{timestamp}.{body}` in base64 and sends the timestamp in a header. */
const stamped = defineConnector({
  id: 'stamped',
  name: 'Stamped',
  settings: z.object({}),
  auth: apiKey({ header: 'Authorization' }),
  webhooks: {
    verify: {
      signatureHeader: 'x-signature',
      encoding: 'base64',
      prefix: 'sha256=',
      timestampHeader: 'x-timestamp',
      signedPayload: '{timestamp}.{body}',
    },
  },
})

/** Verifies a received hook with the Standard Webhooks reference library. */
function verified(hook: ReceivedHook, secret = envSecret): any {
  return new Webhook(secret).verify(hook.body, hook.headers)
}

function logtoSignature(body: string, key = logtoSigningKey): string {
  return createHmac('sha256', key).update(body).digest('hex')
}

function stampedHeaders(body: string, at: number): Record<string, string> {
  const mac = createHmac('sha256', stampedKey).update(`${at}.${body}`).digest('base64')
  return { 'x-timestamp': String(at), 'x-signature': `sha256=${mac}` }
}

describe('webhooks', () => {
  let h: Harness
  let receiver: WebhookReceiver
  /** Every secret the tests make or the sandbox issues: no outgoing body may carry one. */
  const secrets = () => [
    envSecret,
    logtoSigningKey,
    stampedKey,
    h.apiKey,
    ...h.sandbox.issuedSecrets(),
    ...extraSecrets,
  ]
  const extraSecrets: string[] = []

  beforeAll(async () => {
    receiver = await startWebhookReceiver()
    h = await startHarness({
      connectors: () => [logto, stamped],
      webhooks: {
        endpoint: { url: `${receiver.url}/env`, secret: envSecret },
        pollIntervalMs: 20,
        retry: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 5 },
      },
    })
    for (const [id, connector, secret] of [
      ['logto', 'logto', logtoSigningKey],
      ['stamped', 'stamped', stampedKey],
    ]) {
      const put = await h.api('PUT', `/integrations/${id}`, { connector, webhook_secret: secret })
      expect(put.status).toBe(200)
    }
  })

  afterAll(async () => {
    await h?.close()
    await receiver?.close()
  })

  function expectNoSecrets(hooks: ReceivedHook[]) {
    const known = secrets().filter((secret) => secret.length >= 8)
    expect(known.length).toBeGreaterThan(5)
    for (const hook of hooks) {
      for (const secret of known) {
        expect(hook.body.includes(secret), `a ${hook.json?.type} body carries a secret`).toBe(false)
      }
    }
  }

  const ofType =
    (type: string, path = '/env') =>
    (hook: ReceivedHook) =>
      hook.path === path && hook.json?.type === type

  describe('outgoing', () => {
    it('sends connection.created for a real connect flow, verifiable with the reference library', async () => {
      const id = await connectViaBrowser(h)
      const [hook] = await receiver.waitFor(
        (hook) => ofType('connection.created')(hook) && hook.json.data.connection_id === id,
      )
      const payload = verified(hook!)
      expect(payload).toMatchObject({
        type: 'connection.created',
        data: {
          connection_id: id,
          integration: 'sandbox',
          status: 'active',
          account_name: 'sandbox-user',
        },
      })
      expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp)
      expect(hook!.headers['webhook-id']).toMatch(/^msg_/)
      expect(hook!.headers['content-type']).toBe('application/json')
      // The tokens this connection holds are among the secrets checked.
      const credentials = await credentialsOf(h, id)
      extraSecrets.push(credentials['access_token'], credentials['refresh_token'])
      expectNoSecrets([hook!])
    })

    it('is refused by the reference library under another secret or with a changed body', async () => {
      const [hook] = await receiver.waitFor(ofType('connection.created'))
      const other = `whsec_${randomBytes(32).toString('base64')}`
      expect(() => verified(hook!, other)).toThrow()
      expect(() => verified({ ...hook!, body: hook!.body.replace('active', 'error') })).toThrow()
    })

    it('sends connection.needs_reauth when the provider revokes the refresh token', async () => {
      const id = await connectViaBrowser(h)
      h.sandbox.revokeRefreshTokens()
      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(409)
      const [hook] = await receiver.waitFor(
        (hook) => ofType('connection.needs_reauth')(hook) && hook.json.data.connection_id === id,
      )
      expect(verified(hook!)).toMatchObject({
        type: 'connection.needs_reauth',
        data: { connection_id: id, integration: 'sandbox', status: 'needs_reauth' },
      })
      expect(typeof hook!.json.data.reason).toBe('string')
      expectNoSecrets([hook!])
    })

    it('sends connection.deleted when a connection is deleted', async () => {
      const id = await connectViaBrowser(h)
      expect((await h.api('DELETE', `/connections/${id}`)).status).toBeLessThan(300)
      const [hook] = await receiver.waitFor(
        (hook) => ofType('connection.deleted')(hook) && hook.json.data.connection_id === id,
      )
      expect(verified(hook!)).toMatchObject({
        type: 'connection.deleted',
        data: { connection_id: id, integration: 'sandbox', status: 'deleted' },
      })
    })

    it('retries after two 500s with the same webhook-id, then records the delivery', async () => {
      const created = await h.api('POST', '/webhook-endpoints', {
        url: `${receiver.url}/flaky`,
        events: ['connection.deleted'],
      })
      expect(created.status).toBe(201)
      const { id: endpointId, secret } = created.body
      extraSecrets.push(secret)
      receiver.answer('/flaky', 500, 500)

      const id = await connectViaBrowser(h)
      await h.api('DELETE', `/connections/${id}`)
      const hooks = await receiver.waitFor((hook) => hook.path === '/flaky', 3)
      expect(hooks.map((hook) => hook.status)).toEqual([500, 500, 204])
      expect(new Set(hooks.map((hook) => hook.headers['webhook-id'])).size).toBe(1)
      expect(new Set(hooks.map((hook) => hook.body)).size).toBe(1)
      // Only the event type it asked for: the connection's creation went to /env alone.
      expect(hooks.every((hook) => hook.json.type === 'connection.deleted')).toBe(true)
      expect(verified(hooks[2]!, secret).data.connection_id).toBe(id)
      expectNoSecrets(hooks)

      await h.webhooks!.deliverDue()
      const [delivery] = await h.store.listWebhookDeliveries({ endpointId })
      expect(delivery).toMatchObject({
        id: hooks[0]!.headers['webhook-id'],
        status: 'delivered',
        attempts: 3,
        lastStatus: 204,
      })
    })

    it('delivers what a process that never sends (a CLI command) queued in the store', async () => {
      const queuer = createWebhookDispatcher({
        store: h.store,
        endpoint: { url: `${receiver.url}/env`, secret: envSecret },
      })
      const marker = randomBytes(6).toString('hex')
      expect(
        await queuer.publish('webhook.received', {
          integration: 'elsewhere',
          type: marker,
          data: null,
        }),
      ).toBe(1)
      await queuer.close()
      const [hook] = await receiver.waitFor((hook) => hook.json?.data?.type === marker)
      expect(verified(hook!).data).toEqual({ integration: 'elsewhere', type: marker, data: null })
    })
  })

  describe('endpoints API', () => {
    it('shows a generated whsec_ secret once, on creation, and never again', async () => {
      const created = await h.api('POST', '/webhook-endpoints', {
        url: 'https://app.example/hooks',
      })
      expect(created.status).toBe(201)
      expect(created.headers.get('cache-control')).toBe('no-store')
      expect(created.body).toMatchObject({
        url: 'https://app.example/hooks',
        events: null,
        source: 'api',
      })
      expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
      extraSecrets.push(created.body.secret)

      const listed = await h.api('GET', '/webhook-endpoints')
      expect(listed.status).toBe(200)
      expect(listed.body.endpoints).toContainEqual(
        expect.objectContaining({ id: 'env', source: 'environment' }),
      )
      expect(listed.body.endpoints).toContainEqual(
        expect.objectContaining({ id: created.body.id, url: 'https://app.example/hooks' }),
      )
      expect(JSON.stringify(listed.body)).not.toContain('whsec_')
      expect(readFileSync(h.dbPath).toString('latin1')).not.toContain(created.body.secret)

      expect((await h.api('DELETE', `/webhook-endpoints/${created.body.id}`)).status).toBe(204)
      expect((await h.api('DELETE', `/webhook-endpoints/${created.body.id}`)).status).toBe(404)
      const after = await h.api('GET', '/webhook-endpoints')
      expect(after.body.endpoints.map((e: { id: string }) => e.id)).not.toContain(created.body.id)
    })

    it('refuses unknown event types and non-http URLs, and callers without the API key', async () => {
      const unknown = await h.api('POST', '/webhook-endpoints', {
        url: 'https://a.example/',
        events: ['nope'],
      })
      expect(unknown.status).toBe(400)
      expect(unknown.body.error.code).toBe('bad_request')
      const ftp = await h.api('POST', '/webhook-endpoints', { url: 'ftp://a.example/' })
      expect(ftp.status).toBe(400)
      const anonymous = await fetch(`${h.server.url}/webhook-endpoints`)
      expect(anonymous.status).toBe(401)
    })

    it('stores an integration webhook secret without ever showing it', async () => {
      const shown = await h.api('GET', '/integrations/logto')
      expect(shown.body).toMatchObject({ id: 'logto', has_webhook_secret: true })
      expect(JSON.stringify(shown.body)).not.toContain(logtoSigningKey)
      expect((await h.api('GET', '/integrations/sandbox')).body.has_webhook_secret).toBe(false)
    })
  })

  describe('incoming', () => {
    const post = (integration: string, body: string, headers: Record<string, string>) =>
      fetch(`${h.server.url}/webhooks/${integration}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      })
    const forwarded = async () =>
      (await h.store.listWebhookDeliveries()).filter(
        (d) => d.eventType === 'webhook.received',
      )

    it('accepts a correctly signed Logto webhook and forwards it as webhook.received', async () => {
      const userId = `u_${randomBytes(4).toString('hex')}`
      const body = JSON.stringify({
        hookId: 'h1',
        event: 'User.Created',
        data: { id: userId, username: 'zoë' },
      })
      const answer = await post('logto', body, { 'logto-signature-sha-256': logtoSignature(body) })
      expect(answer.status).toBe(200)
      expect(await answer.json()).toEqual({ received: true, forwarded: true })

      const [hook] = await receiver.waitFor(
        (hook) => ofType('webhook.received')(hook) && hook.json.data.data?.user_id === userId,
      )
      expect(verified(hook!)).toMatchObject({
        type: 'webhook.received',
        data: { integration: 'logto', type: 'user.created', data: { user_id: userId } },
      })
      expectNoSecrets([hook!])
    })

    it('accepts a JSON connector declaring the same verifier', async () => {
      const put = await h.api('PUT', '/connectors/logto-json', {
        id: 'logto-json',
        name: 'Logto (JSON)',
        settings: { type: 'object', properties: {} },
        auth: { type: 'api_key' },
        webhooks: {
          verify: {
            signatureHeader: 'logto-signature-sha-256',
            algorithm: 'sha256',
            encoding: 'hex',
          },
          typePath: 'event',
        },
      })
      expect(put.status).toBe(200)
      await h.api('PUT', '/integrations/logto-json', {
        connector: 'logto-json',
        webhook_secret: logtoSigningKey,
      })
      const body = JSON.stringify({ event: 'Organization.Deleted', data: { id: 'org1' } })
      const answer = await post('logto-json', body, {
        'logto-signature-sha-256': logtoSignature(body),
      })
      expect(answer.status).toBe(200)
      const [hook] = await receiver.waitFor(
        (hook) => hook.json?.data?.type === 'Organization.Deleted',
      )
      expect(verified(hook!).data).toEqual({
        integration: 'logto-json',
        type: 'Organization.Deleted',
        data: { event: 'Organization.Deleted', data: { id: 'org1' } },
      })
    })

    it('refuses a wrong signature, a tampered body and a missing header with 401, forwarding nothing', async () => {
      const body = JSON.stringify({ event: 'User.Deleted', data: { id: 'u_refused' } })
      const before = (await forwarded()).length
      const attempts: [string, Record<string, string>][] = [
        [body, { 'logto-signature-sha-256': logtoSignature(body, 'not-the-key') }],
        [body.replace('u_refused', 'u_admin'), { 'logto-signature-sha-256': logtoSignature(body) }],
        [body, {}],
        [body, { 'logto-signature-sha-256': '' }],
      ]
      for (const [sent, headers] of attempts) {
        const answer = await post('logto', sent, headers)
        expect(answer.status).toBe(401)
        const envelope = await answer.json()
        expect(envelope.error).toMatchObject({ code: 'unauthorized', status_code: 401 })
        expect(JSON.stringify(envelope)).not.toContain(logtoSigningKey)
      }
      expect((await forwarded()).length).toBe(before)
    })

    it('accepts a fresh timestamped signature and refuses a stale or missing timestamp', async () => {
      const now = Math.floor(Date.now() / 1000)
      const body = JSON.stringify({ type: 'invoice.paid', id: 'inv_1' })
      const fresh = await post('stamped', body, stampedHeaders(body, now))
      expect(fresh.status).toBe(200)
      const [hook] = await receiver.waitFor((hook) => hook.json?.data?.type === 'invoice.paid')
      expect(verified(hook!).data).toEqual({
        integration: 'stamped',
        type: 'invoice.paid',
        data: JSON.parse(body),
      })

      const before = (await forwarded()).length
      const stale = await post('stamped', body, stampedHeaders(body, now - 600))
      expect(stale.status).toBe(401)
      expect((await stale.json()).error.code).toBe('unauthorized')
      const { 'x-signature': signature } = stampedHeaders(body, now)
      const missing = await post('stamped', body, { 'x-signature': signature })
      expect(missing.status).toBe(401)
      expect((await forwarded()).length).toBe(before)
    })

    it('answers 404 for an unknown integration or one whose connector takes no webhooks', async () => {
      const body = '{}'
      const unknown = await post('nope', body, { 'logto-signature-sha-256': logtoSignature(body) })
      expect(unknown.status).toBe(404)
      expect((await unknown.json()).error.code).toBe('not_found')
      expect((await post('sandbox', body, {})).status).toBe(404)
    })

    it('refuses every request to an integration without a webhook secret', async () => {
      await h.api('PUT', '/integrations/logto-unset', { connector: 'logto' })
      const body = '{"event":"User.Created","data":{"id":"x"}}'
      const answer = await post('logto-unset', body, {
        'logto-signature-sha-256': logtoSignature(body),
      })
      expect(answer.status).toBe(401)
    })
  })
})

describe('patchbay webhooks (the built CLI)', () => {
  it('adds an endpoint showing its secret once, lists it without, and removes it', async () => {
    const envUrl = 'https://env.example/hooks'
    const workspace = createWorkspace({
      PATCHBAY_WEBHOOK_URL: envUrl,
      PATCHBAY_WEBHOOK_SECRET: envSecret,
    })
    try {
      const added = await workspace.run([
        'webhooks',
        'add',
        'https://app.example/hooks',
        '--events',
        'connection.created,refresh.failed',
      ])
      expect(added.code, added.stderr).toBe(0)
      const endpoint = added.json.response
      expect(endpoint).toMatchObject({
        url: 'https://app.example/hooks',
        events: ['connection.created', 'refresh.failed'],
        source: 'api',
        created_by: 'cli',
      })
      expect(endpoint.secret).toMatch(/^whsec_/)
      expect(new Webhook(endpoint.secret)).toBeInstanceOf(Webhook)

      const listed = await workspace.run(['webhooks', 'list'])
      expect(listed.code).toBe(0)
      expect(listed.json.response).toEqual([
        expect.objectContaining({ id: 'env', url: envUrl, source: 'environment' }),
        expect.objectContaining({ id: endpoint.id, url: 'https://app.example/hooks' }),
      ])
      for (const output of [listed.stdout, listed.stderr, added.stderr]) {
        expect(output).not.toContain(endpoint.secret)
        expect(output).not.toContain(envSecret)
      }
      expect(readFileSync(workspace.dbPath).toString('latin1')).not.toContain(endpoint.secret)

      const removed = await workspace.run(['webhooks', 'remove', endpoint.id])
      expect(removed.json.response).toEqual({ deleted: endpoint.id })
      const again = await workspace.run(['webhooks', 'remove', endpoint.id])
      expect(again.code).toBe(2)
      expect(again.json.error.code).toBe('not_found')
    } finally {
      workspace.remove()
    }
  })

  it('queues the events of a CLI command for a server to send', async () => {
    const receiver = await startWebhookReceiver()
    const endpoint = { url: `${receiver.url}/cli`, secret: envSecret }
    const workspace = createWorkspace({
      PATCHBAY_WEBHOOK_URL: endpoint.url,
      PATCHBAY_WEBHOOK_SECRET: envSecret,
    })
    const open = () =>
      openSqliteStore({ path: workspace.dbPath, keyRing: parseKeyRing(workspace.encryptionKey) })
    try {
      workspace.writeConnector('keyed.json', {
        id: 'keyed',
        name: 'Keyed',
        settings: { type: 'object', properties: {} },
        auth: { type: 'api_key', header: 'X-API-Key' },
      })
      const signingKey = `cli-signing-${randomBytes(8).toString('hex')}`
      const set = await workspace.run(
        ['integrations', 'set', 'keyed', '--connector', 'keyed', '--webhook-secret-stdin'],
        { input: `${signingKey}\n` },
      )
      expect(set.code, set.stdout + set.stderr).toBe(0)
      expect(set.json.response).toMatchObject({ id: 'keyed', has_webhook_secret: true })
      expect(set.stdout).not.toContain(signingKey)
      const setup = open()
      expect((await setup.getIntegration('keyed'))?.webhookSecret).toBe(signingKey)
      await setup.saveConnection({
        id: 'conn_cli',
        integrationId: 'keyed',
        settings: {},
        credentials: { apiKey: 'k-0123456789' },
      })
      await setup.close()

      const deleted = await workspace.run(['connections', 'delete', 'conn_cli'])
      expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0)

      // The server's worker, sharing the database, sends what the CLI queued.
      const store = open()
      const worker = createWebhookDispatcher({ store, endpoint })
      try {
        expect(await store.listWebhookDeliveries({ status: 'pending' })).toMatchObject([
          { endpointId: 'env', eventType: 'connection.deleted', attempts: 0 },
        ])
        await worker.deliverDue()
        const [hook] = await receiver.waitFor((hook) => hook.path === '/cli')
        expect(verified(hook!)).toMatchObject({
          type: 'connection.deleted',
          data: { connection_id: 'conn_cli', integration: 'keyed', status: 'deleted' },
        })
        expect(hook!.body).not.toContain('k-0123456789')
      } finally {
        await worker.close()
        await store.close()
      }
    } finally {
      workspace.remove()
      await receiver.close()
    }
  })

  it('refuses an unknown event type with exit code 2', async () => {
    const workspace = createWorkspace()
    try {
      const result = await workspace.run([
        'webhooks',
        'add',
        'https://a.example/',
        '--events',
        'connection.exploded',
      ])
      expect(result.code).toBe(2)
      expect(result.json.error.code).toBe('bad_request')
      expect(result.json.error.message).toContain('connection.exploded')
    } finally {
      workspace.remove()
    }
  })
})
