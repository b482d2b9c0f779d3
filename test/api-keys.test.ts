import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSandboxConnector } from '../src/connectors/index.js'
import { createPatchbay } from '../src/runtime/index.js'
import { createServerApp } from '../src/server/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

const KEY_SHAPE = /^pb_[A-Za-z0-9_-]{43}$/

async function callWith(h: Harness, bearer: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${h.server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  }
}

describe('stored API keys over HTTP', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness()
    // An API-key connector, so that POST /connections can create something with a stored key.
    await h.api('PUT', '/connectors/keyed', {
      id: 'keyed',
      name: 'Keyed',
      baseUrl: h.sandbox.url,
      settings: { type: 'object', properties: {} },
      auth: { type: 'api_key', header: 'X-API-Key', validate: '/apikey/me' },
    })
    await h.api('PUT', '/integrations/keyed', { connector: 'keyed' })
  })
  afterAll(async () => h?.close())

  async function createKey(name?: string) {
    const created = await h.api('POST', '/keys', name === undefined ? {} : { name })
    expect(created.status).toBe(201)
    h.secrets.push(created.body.key)
    return created
  }

  it('creates a key whose value is shown once and never listed', async () => {
    const created = await createKey('billing-service')
    expect(created.headers.get('cache-control')).toBe('no-store')
    expect(created.body).toMatchObject({
      name: 'billing-service',
      created_by: 'env',
      revoked_at: null,
    })
    expect(created.body.id).toMatch(/^key_[A-Za-z0-9_-]+$/)
    expect(created.body.key).toMatch(KEY_SHAPE)

    const listed = await h.api('GET', '/keys')
    expect(listed.status).toBe(200)
    const entry = listed.body.keys.find((key: { id: string }) => key.id === created.body.id)
    expect(entry).toEqual({
      id: created.body.id,
      name: 'billing-service',
      created_by: 'env',
      created_at: created.body.created_at,
      last_used_at: null,
      revoked_at: null,
    })
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key)
  })

  it('accepts several stored keys at once, beside the environment key, and records which one acted', async () => {
    const first = await createKey('first')
    const second = await createKey('second')
    expect((await callWith(h, first.body.key, 'GET', '/connections')).status).toBe(200)
    expect((await callWith(h, second.body.key, 'GET', '/integrations')).status).toBe(200)
    expect((await h.api('GET', '/connections')).status).toBe(200)

    const connection = await callWith(h, second.body.key, 'POST', '/connections', {
      integration: 'keyed',
      auth: { apiKey: h.sandbox.apiKey },
    })
    expect(connection.status).toBe(201)
    expect(connection.body.created_by).toBe(`key:${second.body.id}`)

    const made = await callWith(h, first.body.key, 'POST', '/keys', { name: 'made by a key' })
    h.secrets.push(made.body.key)
    expect(made.body.created_by).toBe(`key:${first.body.id}`)

    const listed = await h.api('GET', '/keys')
    const used = listed.body.keys.find((key: { id: string }) => key.id === first.body.id)
    expect(used.last_used_at).toBeGreaterThan(0)
  })

  it('refuses a revoked key and keeps it listed as revoked, while other keys keep working', async () => {
    const doomed = await createKey('doomed')
    const kept = await createKey('kept')
    const revoked = await h.api('DELETE', `/keys/${doomed.body.id}`)
    expect(revoked.status).toBe(200)
    expect(revoked.body.revoked_at).toBeGreaterThan(0)

    const refused = await callWith(h, doomed.body.key, 'GET', '/connections')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="patchbay", error="invalid_token"',
    )
    expect(refused.body.error.code).toBe('unauthorized')
    expect((await callWith(h, kept.body.key, 'GET', '/connections')).status).toBe(200)
    expect((await h.api('GET', '/connections')).status).toBe(200)

    const listed = await h.api('GET', '/keys')
    expect(
      listed.body.keys.find((key: { id: string }) => key.id === doomed.body.id).revoked_at,
    ).toBe(revoked.body.revoked_at)
    expect((await h.api('DELETE', '/keys/key_unknown')).status).toBe(404)
  })

  it('refuses an unknown key, and a JWT when no OIDC issuer is configured', async () => {
    const unknown = await callWith(h, `pb_${'A'.repeat(43)}`, 'GET', '/keys')
    expect(unknown.status).toBe(401)
    expect(unknown.body.error.code).toBe('unauthorized')
    const jwtLike = await callWith(h, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'GET', '/keys')
    expect(jwtLike.status).toBe(401)
    expect(jwtLike.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('keeps no key value in the database files', async () => {
    const created = await createKey('on disk')
    for (const file of readdirSync(h.dir)) {
      expect(readFileSync(join(h.dir, file)).includes(Buffer.from(created.body.key))).toBe(false)
    }
  })
})

describe('patchbay keys create|list|revoke', () => {
  let workspace: CliWorkspace

  beforeAll(() => {
    workspace = createWorkspace()
  })
  afterAll(() => workspace?.remove())

  /** An HTTP app over the workspace's database, as `patchbay start` would serve it. */
  async function serverOverWorkspace() {
    const keyRing = createKeyRing([
      { id: 'k1', key: Buffer.from(workspace.encryptionKey, 'base64') },
    ])
    const patchbay = await createPatchbay({
      store: openSqliteStore({ path: workspace.dbPath, keyRing }),
      connectors: [createSandboxConnector()],
    })
    const app = createServerApp({ patchbay, apiKeys: ['env-key-for-this-test'] })
    const status = async (key: string) =>
      (
        await app.fetch(
          new Request('http://patchbay.test/connections', {
            headers: { authorization: `Bearer ${key}` },
          }),
        )
      ).status
    return { status, close: () => patchbay.close() }
  }

  it('creates a key the server accepts, lists it without its value, and revokes it', async () => {
    const created = await workspace.run(['keys', 'create', '--name', 'ci'])
    expect(created.code).toBe(0)
    expect(created.json.error).toBeNull()
    const { id, key } = created.json.response
    expect(key).toMatch(KEY_SHAPE)
    expect(created.json.response).toMatchObject({ name: 'ci', created_by: 'cli', revoked_at: null })

    const listed = await workspace.run(['keys', 'list'])
    expect(listed.code).toBe(0)
    expect(listed.json.response).toEqual([
      expect.objectContaining({ id, name: 'ci', revoked_at: null }),
    ])
    expect(listed.stdout).not.toContain(key)

    const server = await serverOverWorkspace()
    try {
      expect(await server.status(key)).toBe(200)
      expect(await server.status('env-key-for-this-test')).toBe(200)

      const revoked = await workspace.run(['keys', 'revoke', id])
      expect(revoked.code).toBe(0)
      expect(revoked.json.response.revoked_at).toBeGreaterThan(0)
      expect(await server.status(key)).toBe(401)
      expect(await server.status('env-key-for-this-test')).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('answers an unknown key id with not_found and exit code 2', async () => {
    const result = await workspace.run(['keys', 'revoke', 'key_nope'])
    expect(result.code).toBe(2)
    expect(result.json.error.code).toBe('not_found')
  })
})
