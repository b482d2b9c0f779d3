import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSandboxConnector } from '../src/connectors/index.js'
import { toWireKeys } from '../src/kit/index.js'
import { createPatchbay } from '../src/runtime/index.js'
import { openPostgresStore, parseKeyRing } from '../src/store/index.js'
import { spawnUntil } from './helpers/cli.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import {
  closeAdminPool,
  dropSchema,
  freshSchemaName,
  postgresReachable,
  schemaUrl,
  startPostgresRelay,
} from './helpers/postgres.js'
import type { PostgresRelay } from './helpers/postgres.js'

const reachable = await postgresReachable()
const encryptionKey = randomBytes(32).toString('base64')
const keyRing = parseKeyRing(encryptionKey)
const schemas: string[] = []

function newSchema(): string {
  const schema = freshSchemaName()
  schemas.push(schema)
  return schema
}

afterAll(async () => {
  if (reachable) await Promise.all(schemas.map(dropSchema))
  await closeAdminPool()
})

async function expire(h: Harness, id: string) {
  await h.store.updateConnection(id, { expiresAt: Math.floor(Date.now() / 1000) - 10 })
  h.sandbox.expireAccessTokens()
}

describe.runIf(reachable)('PostgreSQL: one refresh across runtimes', () => {
  let h: Harness
  let schema: string
  beforeAll(async () => {
    schema = newSchema()
    h = await startHarness({ store: () => openPostgresStore({ url: schemaUrl(schema), keyRing }) })
  })
  afterAll(async () => h?.close())

  it('answers 100 concurrent callers on an expired connection with one refresh at the provider', async () => {
    const id = await connectViaBrowser(h)
    const old = await h.patchbay.getCredentials(id)
    await expire(h, id)
    h.sandbox.resetStats()
    const results = await Promise.all(Array.from({ length: 100 }, () => h.patchbay.getCredentials(id)))
    expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(1)
    const tokens = new Set(results.map((credentials) => credentials['accessToken']))
    expect(tokens.size).toBe(1)
    expect(tokens.has(old['accessToken'])).toBe(false)
    expect((await h.patchbay.connection(id).fetch('/me')).status).toBe(200)
  })

  it('shares one refresh between three runtimes, each with its own pool, on one database', async () => {
    const id = await connectViaBrowser(h)
    await expire(h, id)
    h.sandbox.resetStats()
    const others = await Promise.all(
      [0, 1].map(async () =>
        createPatchbay({
          store: await openPostgresStore({ url: schemaUrl(schema), keyRing }),
          connectors: [createSandboxConnector({ url: h.sandbox.url })],
          publicUrl: h.server.url,
        }),
      ),
    )
    try {
      const results = await Promise.all(
        [h.patchbay, ...others].flatMap((runtime) =>
          Array.from({ length: 34 }, () => runtime.getCredentials(id)),
        ),
      )
      expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(1)
      expect(new Set(results.map((credentials) => credentials['accessToken'])).size).toBe(1)
      // The rotated refresh token is what is stored.
      const stored = await h.store.getConnection(id)
      expect(stored?.credentials['accessToken']).toBe(results[0]?.['accessToken'])
      expect(stored?.refreshAttempt).toBeNull()
    } finally {
      await Promise.all(others.map((other) => other.close()))
    }
  })
})

describe.runIf(reachable)('PostgreSQL: the database goes away under load', () => {
  let h: Harness
  let relay: PostgresRelay
  beforeAll(async () => {
    relay = await startPostgresRelay()
    const url = relay.url(newSchema())
    h = await startHarness({
      store: () => openPostgresStore({ url, keyRing, connectTimeoutMs: 1000 }),
    })
  })
  afterAll(async () => {
    await relay?.restore().catch(() => {})
    await h?.close()
    await relay?.close()
  })

  it('answers store_unavailable (503, no stack, no secret) while it is down, and recovers by itself', async () => {
    const id = await connectViaBrowser(h)
    const credentials = await h.patchbay.getCredentials(id)
    await relay.cut()
    const down = await Promise.all([
      ...Array.from({ length: 10 }, () => h.api('GET', `/connections/${id}/credentials`)),
      ...Array.from({ length: 10 }, () => h.api('GET', `/connections/${id}`)),
      h.api('GET', '/ready'),
    ])
    for (const response of down) {
      expect(response.status).toBe(503)
      expect(response.body.error.code).toBe('store_unavailable')
      const text = JSON.stringify(response.body)
      expect(text).not.toMatch(/\bat [\w.]+ \(|node_modules|\.ts:\d+/)
      expect(text).not.toContain(String(credentials['accessToken']))
      expect(text).not.toContain(String(credentials['refreshToken']))
    }
    await relay.restore()
    const up = await Promise.all(
      Array.from({ length: 10 }, () => h.api('GET', `/connections/${id}/credentials`)),
    )
    for (const response of up) {
      expect(response.status).toBe(200)
      expect(response.body.credentials).toEqual(toWireKeys(credentials))
    }
    expect((await h.api('GET', '/ready')).status).toBe(200)
  })
})

describe.runIf(reachable)('PostgreSQL: three patchbay start processes', () => {
  let h: Harness
  let schema: string
  let dir: string
  const apiKey = `pb_test_${randomBytes(16).toString('hex')}`
  const servers: ReturnType<typeof spawnUntil>[] = []
  const urls: string[] = []

  beforeAll(async () => {
    schema = newSchema()
    h = await startHarness({ store: () => openPostgresStore({ url: schemaUrl(schema), keyRing }) })
    dir = mkdtempSync(join(tmpdir(), 'patchbay-pg-'))
    for (let i = 0; i < 3; i += 1) {
      const server = spawnUntil(['start', '--port', '0', '--no-sandbox'], {
        cwd: dir,
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          PATCHBAY_HOME: join(dir, `home-${i}`),
          PATCHBAY_DB: schemaUrl(schema),
          PATCHBAY_ENCRYPTION_KEY: encryptionKey,
          PATCHBAY_API_KEY: apiKey,
          PATCHBAY_SANDBOX_URL: h.sandbox.url,
          PATCHBAY_LOG_LEVEL: 'warn',
        },
        marker: 'Patchbay listening on',
        timeoutMs: 30_000,
      })
      servers.push(server)
    }
    for (const server of servers) {
      const output = await server.ready
      urls.push(/Patchbay listening on (\S+)/.exec(output)![1] as string)
      expect(output).toMatch(/Database: PostgreSQL postgres:\/\//)
    }
  }, 60_000)

  afterAll(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGTERM')
        await server.exited
      }
    }
    await h?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  it('answers 300 concurrent readers of one expiring connection with one refresh and one token', async () => {
    const id = await connectViaBrowser(h)
    await expire(h, id)
    h.sandbox.resetStats()
    const responses = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const response = await fetch(`${urls[i % 3]}/connections/${id}/credentials`, {
          headers: { authorization: `Bearer ${apiKey}` },
        })
        return {
          status: response.status,
          body: (await response.json()) as { credentials?: { access_token?: string } },
        }
      }),
    )
    expect(responses.filter((r) => r.status !== 200)).toEqual([])
    expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(1)
    const tokens = new Set(responses.map((r) => r.body.credentials?.access_token))
    expect(tokens.size).toBe(1)
    expect([...tokens][0]).toEqual(expect.any(String))
    // The one token works at the provider through every process's proxy.
    for (const url of urls) {
      const me = await fetch(`${url}/proxy/me`, {
        headers: { authorization: `Bearer ${apiKey}`, 'connection-id': id },
      })
      expect(me.status).toBe(200)
    }
    expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(1)
  }, 120_000)
})
