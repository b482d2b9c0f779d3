import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import {
  closeAdminPool,
  dropSchema,
  freshSchemaName,
  postgresReachable,
  schemaUrl,
  startPostgresRelay,
} from './helpers/postgres.js'
import type { PostgresRelay } from './helpers/postgres.js'
import { eventually, sample, startScheduledServer } from './helpers/scheduled-server.js'
import type { ScheduledServer } from './helpers/scheduled-server.js'

const reachable = await postgresReachable()
const schemas: string[] = []
const now = () => Math.floor(Date.now() / 1000)

afterAll(async () => {
  if (reachable) await Promise.all(schemas.map(dropSchema))
  await closeAdminPool()
})

describe.runIf(reachable)('background refresh in three patchbay start processes on one PostgreSQL schema', () => {
  const DUE = 90
  let dir: string
  let sandbox: Sandbox
  const servers: ScheduledServer[] = []

  beforeAll(async () => {
    const schema = freshSchemaName()
    schemas.push(schema)
    dir = mkdtempSync(join(tmpdir(), 'patchbay-scheduler-pg-'))
    sandbox = await startSandbox()
    // Started together: the migrations run once, whoever comes first.
    servers.push(
      ...(await Promise.all(
        ['a', 'b', 'c'].map((name) =>
          startScheduledServer({ dir, name, db: schemaUrl(schema), sandboxUrl: sandbox.url }),
        ),
      )),
    )
    const client = sandbox.defaultClient
    const integration = await servers[0]!.api('PUT', '/integrations/sandbox', {
      connector: 'sandbox',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    })
    expect(integration.status).toBe(200)
  }, 90_000)

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()))
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  it('refreshes each of many due connections exactly once at the provider, spread over the instances', async () => {
    sandbox.resetStats()
    const tokens = Array.from({ length: DUE }, () => sandbox.issueRefreshToken(sandbox.defaultClient.clientId))
    const imported = await servers[1]!.api(
      'POST',
      '/connections/import',
      tokens.map((refreshToken, i) => ({
        integration: 'sandbox',
        connection_id: `due-${i}`,
        auth: { access_token: `imported-${i}`, refresh_token: refreshToken, expires_at: now() + 4 },
      })),
    )
    expect(imported.status).toBe(200)
    await eventually(
      `${DUE} background refreshes`,
      async () => (sandbox.stats().tokenRequests.refresh_token >= DUE ? true : undefined),
      30_000,
    )
    // Further passes of every instance find nothing left to do.
    await eventually('three more passes of each instance', async () => {
      const health = await Promise.all(servers.map((server) => server.api('GET', '/health')))
      return health.every((answer) => answer.body.scheduler.due_backlog === 0) ? true : undefined
    })
    const settledAt = Date.now()
    await eventually('passes after the backlog emptied', async () => {
      const health = await Promise.all(servers.map((server) => server.api('GET', '/health')))
      return health.every((answer) => Date.parse(answer.body.scheduler.last_pass_at) > settledAt + 500)
        ? true
        : undefined
    })

    expect(sandbox.stats().tokenRequests.refresh_token).toBe(DUE)
    const presented = sandbox.rotations().map((rotation) => rotation.presented)
    expect(new Set(presented).size).toBe(DUE)
    expect(new Set(presented)).toEqual(new Set(tokens))

    const metrics = await Promise.all(servers.map((server) => server.api('GET', '/metrics')))
    const byInstance = metrics.map((answer) => sample(answer.text, 'patchbay_refreshes_total{result="ok"}'))
    expect(byInstance.reduce((sum, count) => sum + count, 0)).toBe(DUE)
    expect(metrics.every((answer) => sample(answer.text, 'patchbay_refreshes_total{result="failed"}') === 0)).toBe(true)

    for (const i of [0, Math.floor(DUE / 2), DUE - 1]) {
      const view = (await servers[2]!.api('GET', `/connections/due-${i}`)).body
      expect(view.status).toBe('active')
      expect(view.expires_at).toBeGreaterThan(now() + 600)
    }
  })
})

describe.runIf(reachable)('GET /health while PostgreSQL is away', () => {
  let dir: string
  let sandbox: Sandbox
  let relay: PostgresRelay
  let server: ScheduledServer

  beforeAll(async () => {
    const schema = freshSchemaName()
    schemas.push(schema)
    dir = mkdtempSync(join(tmpdir(), 'patchbay-health-pg-'))
    sandbox = await startSandbox()
    relay = await startPostgresRelay()
    server = await startScheduledServer({ dir, name: 'health', db: relay.url(schema), sandboxUrl: sandbox.url })
  }, 60_000)

  afterAll(async () => {
    await relay?.restore().catch(() => {})
    await server?.stop()
    await relay?.close()
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  it('answers 503 with store unreachable while the database is down, and 200 again after', async () => {
    expect((await server.api('GET', '/health')).status).toBe(200)
    await relay.cut()
    const down = await fetch(`${server.url}/health`).catch((error) => {
      throw new Error(`health failed (exit ${server.child.exitCode}): ${server.output()}`, { cause: error })
    })
    expect(down.status).toBe(503)
    const body = await down.json()
    expect(body).toMatchObject({ status: 'unavailable', store: 'unreachable' })
    expect(JSON.stringify(body)).not.toMatch(/postgres(ql)?:\/\/|password|\bat [\w.]+ \(/i)
    await relay.restore()
    await eventually('health after the restore', async () =>
      (await fetch(`${server.url}/health`)).status === 200 ? true : undefined,
    )
    // The scheduler survived the outage: it still runs passes.
    const after = Date.now()
    await eventually('a pass after the outage', async () => {
      const answer = await server.api('GET', '/health')
      return Date.parse(answer.body.scheduler.last_pass_at) > after && answer.body.scheduler.last_pass_error === null
        ? true
        : undefined
    })
  }, 60_000)
})
