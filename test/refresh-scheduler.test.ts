import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { openSqliteStore, parseKeyRing } from '../src/store/index.js'
import { eventually, sample, SCHEDULER_ENV, startScheduledServer } from './helpers/scheduled-server.js'
import type { ScheduledServer } from './helpers/scheduled-server.js'
import { startWebhookReceiver } from './helpers/webhook-receiver.js'
import type { WebhookReceiver } from './helpers/webhook-receiver.js'

// One `patchbay start` over a SQLite file with the background refresh every 250 ms and checks of
// non-expiring credentials every second, against a sandbox provider this test controls.
describe('background refresh in one patchbay start process (SQLite)', () => {
  let dir: string
  let sandbox: Sandbox
  let receiver: WebhookReceiver
  let server: ScheduledServer
  const now = () => Math.floor(Date.now() / 1000)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-scheduler-'))
    sandbox = await startSandbox()
    receiver = await startWebhookReceiver()
    server = await startScheduledServer({
      dir,
      name: 'one',
      db: join(dir, 'patchbay.db'),
      sandboxUrl: sandbox.url,
      env: {
        PATCHBAY_CHECK_INTERVAL: '1',
        PATCHBAY_WEBHOOK_URL: `${receiver.url}/hooks`,
        PATCHBAY_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      },
    })
    const client = sandbox.defaultClient
    const integration = await server.api('PUT', '/integrations/sandbox', {
      connector: 'sandbox',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    })
    expect(integration.status).toBe(200)
  }, 60_000)

  afterAll(async () => {
    await server?.stop()
    await receiver?.close()
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  /** Imports OAuth connections through the API: tokens the caller holds, nothing asked of the provider. */
  async function importTokens(records: Array<{ id: string; refreshToken: string; expiresIn: number }>) {
    const response = await server.api(
      'POST',
      '/connections/import',
      records.map((record) => ({
        integration: 'sandbox',
        connection_id: record.id,
        auth: {
          access_token: `imported-${randomBytes(8).toString('hex')}`,
          refresh_token: record.refreshToken,
          expires_at: now() + record.expiresIn,
        },
      })),
    )
    expect(response.status).toBe(200)
  }

  const connection = async (id: string) => (await server.api('GET', `/connections/${id}`)).body

  it('refreshes a connection expiring in a few seconds before any request, once', async () => {
    const before = await server.api('GET', '/metrics')
    sandbox.resetStats()
    await importTokens([{ id: 'soon', refreshToken: sandbox.issueRefreshToken(sandbox.defaultClient.clientId), expiresIn: 4 }])
    // Nothing asks for the connection: only the scheduler can refresh it.
    await eventually('the background refresh', async () =>
      sandbox.stats().tokenRequests.refresh_token === 1 ? true : undefined,
    )
    const view = await connection('soon')
    expect(view.status).toBe('active')
    expect(view.expires_at).toBeGreaterThan(now() + 600)

    // The request finds fresh credentials and sends no refresh of its own; the token works.
    const credentials = await server.api('GET', '/connections/soon/credentials')
    expect(credentials.status).toBe(200)
    expect(credentials.body.credentials.access_token).not.toMatch(/^imported-/)
    const proxied = await fetch(`${server.url}/proxy/me`, {
      headers: { authorization: `Bearer ${SCHEDULER_ENV.apiKey}`, 'connection-id': 'soon' },
    })
    expect(proxied.status).toBe(200)
    await proxied.arrayBuffer()
    expect(sandbox.stats().tokenRequests.refresh_token).toBe(1)

    // The metrics moved: one more refresh, one proxied 2xx timed, one credential request.
    const after = await server.api('GET', '/metrics')
    expect(after.status).toBe(200)
    const delta = (series: string) => sample(after.text, series) - sample(before.text, series)
    expect(delta('patchbay_refreshes_total{result="ok"}')).toBe(1)
    expect(delta('patchbay_background_refreshes_total{result="ok"}')).toBe(1)
    expect(delta('patchbay_proxy_requests_total{status_class="2xx"}')).toBe(1)
    expect(delta('patchbay_proxy_request_duration_seconds_count{status_class="2xx"}')).toBe(1)
    expect(delta('patchbay_credential_requests_total{status_class="2xx"}')).toBe(1)
    expect(sample(after.text, 'patchbay_refresh_scheduler_running')).toBe(1)
  })

  it('marks a connection needs_reauth when the provider says invalid_grant, and sends the webhook', async () => {
    await importTokens([{ id: 'revoked', refreshToken: 'a-refresh-token-the-provider-never-issued', expiresIn: 4 }])
    const hooks = await receiver.waitFor(
      (hook) => hook.json?.type === 'connection.needs_reauth' && hook.json.data.connection_id === 'revoked',
    )
    expect(hooks).toHaveLength(1)
    const view = await connection('revoked')
    expect(view.status).toBe('needs_reauth')
    expect(view.last_error).toMatch(/invalid_grant|not valid/i)
    expect(receiver.received.some((hook) => hook.json?.type === 'refresh.failed' && hook.json.data.connection_id === 'revoked')).toBe(false)
    const metrics = await server.api('GET', '/metrics')
    expect(sample(metrics.text, 'patchbay_needs_reauth_total')).toBeGreaterThanOrEqual(1)
    expect(sample(metrics.text, 'patchbay_background_refreshes_total{result="needs_reauth"}')).toBe(1)
  })

  it('leaves a connection active when the provider answers 503, sending refresh.failed; a later refresh works', async () => {
    sandbox.setConfig({ failNextToken: { status: 503, body: { error: 'temporarily_unavailable' } } })
    await importTokens([{ id: 'flaky', refreshToken: sandbox.issueRefreshToken(sandbox.defaultClient.clientId), expiresIn: 4 }])
    const hooks = await receiver.waitFor(
      (hook) => hook.json?.type === 'refresh.failed' && hook.json.data.connection_id === 'flaky',
    )
    expect(hooks).toHaveLength(1)
    const view = await connection('flaky')
    expect(view.status).toBe('active')
    expect(receiver.received.some((hook) => hook.json?.type === 'connection.needs_reauth' && hook.json.data.connection_id === 'flaky')).toBe(false)
    // Once the cooldown has passed, the refresh goes through (the failure was the provider's, once).
    const credentials = await eventually('a refresh after the failure', async () => {
      const answer = await server.api('GET', '/connections/flaky/credentials')
      return answer.status === 200 && !String(answer.body.credentials.access_token).startsWith('imported-')
        ? answer.body
        : undefined
    })
    expect(credentials.expires_at).toBeGreaterThan(now() + 600)
    const metrics = await server.api('GET', '/metrics')
    expect(sample(metrics.text, 'patchbay_background_refreshes_total{result="failed"}')).toBe(1)
  })

  it('checks credentials that never expire, and marks needs_reauth the ones the provider refuses', async () => {
    const connector = await server.api('PUT', '/connectors/keys', {
      id: 'keys',
      name: 'Keys',
      baseUrl: sandbox.url,
      settings: { type: 'object', properties: {} },
      auth: { type: 'api_key', header: 'X-API-Key', validate: '/apikey/me' },
    })
    expect(connector.status).toBe(200)
    expect((await server.api('PUT', '/integrations/keys', { connector: 'keys' })).status).toBe(200)
    const imported = await server.api('POST', '/connections/import', [
      { integration: 'keys', connection_id: 'key-good', auth: { apiKey: sandbox.apiKey } },
      { integration: 'keys', connection_id: 'key-bad', auth: { apiKey: 'a-key-the-provider-refuses' } },
    ])
    expect(imported.status).toBe(200)
    const hooks = await receiver.waitFor(
      (hook) => hook.json?.type === 'connection.needs_reauth' && hook.json.data.connection_id === 'key-bad',
    )
    expect(hooks).toHaveLength(1)
    expect((await connection('key-bad')).status).toBe('needs_reauth')
    expect((await connection('key-bad')).last_error).toMatch(/check was refused/)
    // The good key is checked as well (every second here), and stays active.
    const metrics = await eventually('two checks of the good key', async () => {
      const answer = await server.api('GET', '/metrics')
      return sample(answer.text, 'patchbay_credential_checks_total{outcome="valid"}') >= 2 ? answer.text : undefined
    })
    expect(sample(metrics, 'patchbay_credential_checks_total{outcome="refused"}')).toBe(1)
    expect((await connection('key-good')).status).toBe('active')
    // The check is recorded in the database (read beside the running server).
    const store = openSqliteStore({ path: join(dir, 'patchbay.db'), keyRing: parseKeyRing(SCHEDULER_ENV.encryptionKey) })
    try {
      expect(await store.lastCheckedAt('key-good')).toBeGreaterThanOrEqual(now() - 5)
    } finally {
      await store.close()
    }
  })

  it('reports health without a key: the store, the scheduler and the due backlog', async () => {
    const response = await fetch(`${server.url}/health`)
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body).toMatchObject({ status: 'ok', store: 'ok', scheduler: { running: true, last_pass_error: null } })
    expect(typeof body.scheduler.last_pass_at).toBe('string')
    expect(body.scheduler.due_backlog).toBe(0)
    // Nothing in it names a connection or a secret.
    expect(JSON.stringify(body)).not.toMatch(/conn|token|key/i)
  })

  it('serves metrics to an API key or the scrape token only; the token opens nothing else', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
    const scraped = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${SCHEDULER_ENV.metricsToken}` } })
    expect(scraped.status).toBe(200)
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await scraped.text()
    expect(text).toMatch(/^# HELP patchbay_refreshes_total /m)
    expect(text).toMatch(/^patchbay_refresh_due_backlog 0$/m)
    const other = await fetch(`${server.url}/connections`, { headers: { authorization: `Bearer ${SCHEDULER_ENV.metricsToken}` } })
    expect(other.status).toBe(401)
  })
})
