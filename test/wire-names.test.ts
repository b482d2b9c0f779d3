import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSandboxConnector } from '../src/connectors/index.js'
import { connectorFromJson } from '../src/kit/index.js'
import { createPatchbay } from '../src/runtime/index.js'
import { openSqliteStore, parseKeyRing } from '../src/store/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliResult, CliWorkspace } from './helpers/cli.js'
import { putConnector } from './helpers/connectors.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { startWebhookReceiver } from './helpers/webhook-receiver.js'
import type { WebhookReceiver } from './helpers/webhook-receiver.js'
import { nonSnakeKeys } from './helpers/wire-names.js'

/**
 * Issue 13, one naming convention on the wire. The routes' real answers are walked in
 * test/openapi.test.ts (every documented route, on loopback); this file covers what that walk
 * does not reach: credentials by scheme, old spellings on input, delivered webhooks, the CLI.
 */

/** An API-key connector declaring its field in camelCase, as `apiKey()` does by default. */
function keyedConnector(url: string) {
  return {
    id: 'keyed',
    name: 'Keyed',
    baseUrl: url,
    settings: { type: 'object', properties: {} },
    auth: {
      type: 'api_key',
      fields: { apiKey: { label: 'API key' } },
      header: 'X-API-Key',
      validate: '/apikey/me',
      profile: { request: '/apikey/me', accountName: 'name' },
    },
  }
}

/** Log lines that announce a deprecated input key. */
function deprecations(logs: readonly string[]): Record<string, unknown>[] {
  return logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => 'deprecated' in line)
}

describe('names on the wire over HTTP', () => {
  let h: Harness
  let receiver: WebhookReceiver
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`

  beforeAll(async () => {
    receiver = await startWebhookReceiver()
    h = await startHarness({
      webhooks: {
        endpoint: { url: `${receiver.url}/events`, secret: webhookSecret },
        pollIntervalMs: 20,
        retry: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 3 },
      },
    })
    await putConnector(h, 'keyed', keyedConnector(h.sandbox.url))
    await h.api('PUT', '/integrations/keyed', { connector: 'keyed' })
  })
  afterAll(async () => {
    await h?.close()
    await receiver?.close()
  })

  it('takes api_key for a field declared apiKey, and hands it back as api_key', async () => {
    const created = await h.api('POST', '/connections', { integration: 'keyed', auth: { api_key: h.sandbox.apiKey } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const read = await h.api('GET', `/connections/${created.body.id}/credentials`)
    expect(read.body).toEqual({ connection_id: created.body.id, expires_at: null, credentials: { api_key: h.sandbox.apiKey } })
    const info = await h.api('GET', '/connectors/keyed')
    expect(info.body.auth.fields.properties).toHaveProperty('api_key')
    expect(info.body.auth.fields.required).toEqual(['api_key'])
    expect(info.body).toMatchObject({ base_url: h.sandbox.url, logo_url: null, docs_url: null })
    expect(deprecations(h.logs)).toEqual([])
  })

  it('still takes the old apiKey for one release, logging one deprecation line per route and key', async () => {
    const first = await h.api('POST', '/connections', { integration: 'keyed', auth: { apiKey: h.sandbox.apiKey } })
    const second = await h.api('POST', '/connections', { integration: 'keyed', auth: { apiKey: h.sandbox.apiKey } })
    expect([first.status, second.status]).toEqual([201, 201])
    const lines = deprecations(h.logs)
    expect(lines).toEqual([
      expect.objectContaining({ route: 'POST /connections', deprecated: 'auth.apiKey', use: 'auth.api_key' }),
    ])
    expect(JSON.stringify(lines)).not.toContain(h.sandbox.apiKey)
    const read = await h.api('GET', `/connections/${second.body.id}/credentials`)
    expect(read.body.credentials).toEqual({ api_key: h.sandbox.apiKey })
  })

  it('imports connections whose auth uses the old apiKey, logging the same deprecation for the import route', async () => {
    const before = deprecations(h.logs).length
    const line = { integration: 'keyed', connection_id: 'imported-old-name', auth: { apiKey: h.sandbox.apiKey } }
    const imported = await h.api('POST', '/connections/import', line)
    expect(imported.status, JSON.stringify(imported.body)).toBe(200)
    expect(imported.body).toMatchObject({ imported: 1 })
    const lines = deprecations(h.logs).slice(before)
    expect(lines).toEqual([
      expect.objectContaining({ route: 'POST /connections/import', deprecated: 'auth.apiKey', use: 'auth.api_key' }),
    ])
    expect(JSON.stringify(lines)).not.toContain(h.sandbox.apiKey)
    const read = await h.api('GET', '/connections/imported-old-name/credentials')
    expect(read.body.credentials).toEqual({ api_key: h.sandbox.apiKey })
  })

  it('hands out OAuth 2 credentials as access_token, token_type, refresh_token, expires_at, scope, raw', async () => {
    const id = await connectViaBrowser(h)
    const read = await h.api('GET', `/connections/${id}/credentials`)
    expect(read.status).toBe(200)
    expect(read.body.credentials).toMatchObject({
      access_token: expect.any(String),
      token_type: expect.stringMatching(/^bearer$/i),
      refresh_token: expect.any(String),
      expires_at: read.body.expires_at,
    })
    expect(Object.keys(read.body.credentials)).toEqual(
      expect.arrayContaining(['access_token', 'token_type', 'refresh_token', 'expires_at', 'scope', 'raw']),
    )
    // raw is the provider's token answer without the tokens, which are given once, above.
    expect(read.body.credentials.raw).toMatchObject({ expires_in: expect.any(Number) })
    expect(JSON.stringify(read.body.credentials.raw)).not.toContain(read.body.credentials.access_token)
    expect(JSON.stringify(read.body.credentials.raw)).not.toContain(read.body.credentials.refresh_token)
    expect(nonSnakeKeys(read.body)).toEqual([])
  })

  it('delivers webhook payloads in snake_case', async () => {
    const id = await connectViaBrowser(h)
    await h.api('DELETE', `/connections/${id}`)
    const hooks = await receiver.waitFor(
      (hook) => hook.json?.data?.connection_id === id && ['connection.created', 'connection.deleted'].includes(hook.json.type),
      2,
    )
    expect(hooks.map((hook) => hook.json.type).sort()).toEqual(['connection.created', 'connection.deleted'])
    for (const hook of hooks) expect(nonSnakeKeys(hook.json)).toEqual([])
    const deleted = hooks.find((hook) => hook.json.type === 'connection.deleted')
    expect(deleted?.json.data.revocation).toMatchObject({ attempted: true })
  })
})

describe('names on the wire in the CLI', () => {
  let h: Harness
  let ws: CliWorkspace
  let keyedId: string
  let oauthId: string

  /**
   * A command's output: the envelope, and inside `response` what the command printed (the
   * places a connector or provider owns skipped as everywhere), unless a connector wrote it.
   */
  function snakeOutput(result: CliResult, connectorResponse = false): string[] {
    expect(result.json, result.stdout + result.stderr).toBeDefined()
    if (connectorResponse) return nonSnakeKeys(result.json)
    const { response, ...envelope } = result.json
    return [...nonSnakeKeys(envelope), ...nonSnakeKeys(response).map((key) => `response.${key}`)]
  }

  beforeAll(async () => {
    h = await startHarness()
    ws = createWorkspace({ PATCHBAY_SANDBOX_URL: h.sandbox.url })
    ws.writeConnector('keyed.json', keyedConnector(h.sandbox.url))
    // Connections made through the library in the database the CLI opens, sealed with its key.
    const patchbay = await createPatchbay({
      store: openSqliteStore({ path: ws.dbPath, keyRing: parseKeyRing(ws.encryptionKey) }),
      connectors: [connectorFromJson(keyedConnector(h.sandbox.url)), createSandboxConnector({ url: h.sandbox.url })],
    })
    try {
      const client = h.sandbox.defaultClient
      await patchbay.integrations.put({ id: 'keyed', connectorId: 'keyed' })
      await patchbay.integrations.put({ id: 'sandbox', connectorId: 'sandbox', clientId: client.clientId, clientSecret: client.clientSecret })
      keyedId = (await patchbay.connections.create({ integration: 'keyed', auth: { apiKey: h.sandbox.apiKey } })).id
      const oauth = await h.patchbay.connections.get(await connectViaBrowser(h))
      const tokens = await h.patchbay.getCredentials(oauth!.id)
      oauthId = (await patchbay.connections.create({ integration: 'sandbox', auth: { access_token: tokens['accessToken'] as string } })).id
    } finally {
      await patchbay.close()
    }
  })
  afterAll(async () => {
    ws?.remove()
    await h?.close()
  })

  it('prints every command in snake_case', async () => {
    const runs: [string[], boolean?][] = [
      [['info']],
      [['info', 'keyed']],
      [['info', 'sandbox']],
      [['integrations', 'list']],
      [['integrations', 'set', 'keyed', '--connector', 'keyed', '--redirect-uri', 'https://app.example/cb']],
      [['connections', 'list']],
      [['connections', 'show', keyedId]],
      [['keys', 'list']],
      [['webhooks', 'list']],
      [['webhooks', 'deliveries']],
      [['encryption-keys', 'status']],
      [['call', 'keyed', 'validate_credentials', '--json', JSON.stringify({ auth: { api_key: h.sandbox.apiKey }, request: {} })], true],
      [['call', 'keyed', 'get_user_info', '--connection', keyedId, '--json', '{"request": {}}'], true],
      [['call', 'keyed', 'nope', '--json', '{}']],
      [['connections', 'show', 'missing']],
    ]
    const results = await Promise.all(runs.map(([args]) => ws.run(args)))
    const created = await ws.run(['keys', 'create', '--name', 'wire'])
    h.secrets.push(created.json?.response?.key)
    const hook = await ws.run(['webhooks', 'add', 'https://app.example/hooks'])
    h.secrets.push(hook.json?.response?.secret)
    const found = [
      ...results.flatMap((result, i) => snakeOutput(result, runs[i]![1]).map((key) => `${runs[i]![0].join(' ')}: ${key}`)),
      ...snakeOutput(created).map((key) => `keys create: ${key}`),
      ...snakeOutput(hook).map((key) => `webhooks add: ${key}`),
    ]
    expect(found).toEqual([])
    expect(results[0]!.json.response.connectors.length).toBeGreaterThan(5)
  })

  it('reads the old apiKey in call input for one release, with one deprecation line on stderr', async () => {
    const result = await ws.run([
      'call', 'keyed', 'validate_credentials', '--json', JSON.stringify({ auth: { apiKey: h.sandbox.apiKey }, request: {} }),
    ])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const lines = result.stderr.trim().split('\n').map((line) => JSON.parse(line))
    expect(lines).toEqual([expect.objectContaining({ deprecated: 'auth.apiKey', use: 'auth.api_key' })])
    expect(result.stderr).not.toContain(h.sandbox.apiKey)
  })

  it('prints what DELETE /connections/:id answers for connections delete (issue 13)', async () => {
    const [cli, plain] = await Promise.all([ws.run(['connections', 'delete', oauthId]), ws.run(['connections', 'delete', keyedId])])
    expect(cli.code, cli.stdout + cli.stderr).toBe(0)
    const http = await h.api('DELETE', `/connections/${await connectViaBrowser(h)}`)
    expect(http.status).toBe(200)
    expect(cli.json.response).toEqual({ id: oauthId, deleted: true, revocation: { attempted: true, ok: expect.any(Boolean) } })
    expect(Object.keys(cli.json.response)).toEqual(Object.keys(http.body))
    expect(Object.keys(cli.json.response.revocation)).toEqual(Object.keys(http.body.revocation))
    // No revocation endpoint: no report, as HTTP answers 204 with nothing to report.
    expect(plain.json.response).toEqual({ id: keyedId, deleted: true })
  })
})
