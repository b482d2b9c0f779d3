import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import {
  closeAdminPool,
  adminPool,
  dropSchema,
  emptySchema,
  freshSchemaName,
  postgresReachable,
  schemaUrl,
  startPostgresRelay,
  terminateBackends,
} from '../../../test/helpers/postgres.js'
import { resealEverything, runStoreContract } from '../contract.js'
import { createKeyRing, keyFingerprint } from '../seal.js'
import type { Store } from '../types.js'
import { openPostgresStore, parsePostgresUrl } from './postgres-store.js'

const keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
const reachable = await postgresReachable()



function random(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error,
  )
}

// One schema for this file's contract run, emptied before each test and dropped at the end.
const contractSchema = freshSchemaName()
afterAll(async () => {
  if (reachable) await dropSchema(contractSchema)
  await closeAdminPool()
})

describe.runIf(reachable)('PostgreSQL store', () => {
  runStoreContract(
    'postgres',
    async () => {
      const store = await openPostgresStore({ url: schemaUrl(contractSchema), keyRing })
      await emptySchema(contractSchema)
      return store
    },
    {
      // Two pools on one schema, as two instances have.
      async openPair() {
        const url = schemaUrl(contractSchema)
        const pair = await Promise.all([0, 1].map(() => openPostgresStore({ url, keyRing })))
        await emptySchema(contractSchema)
        return pair as [Store, Store]
      },
      async newDatabase() {
        await emptySchema(contractSchema)
        const url = schemaUrl(contractSchema)
        return async (ring) => openPostgresStore({ url, keyRing: ring })
      },
    },
  )
})

describe.runIf(reachable)('openPostgresStore', () => {
  const schemas: string[] = []
  const opened: Store[] = []

  /** A new schema name, dropped after the test. */
  function newSchema(): string {
    const schema = freshSchemaName()
    schemas.push(schema)
    return schema
  }

  async function openAt(schema: string, ring = keyRing): Promise<Store> {
    const store = await openPostgresStore({ url: schemaUrl(schema), keyRing: ring })
    opened.push(store)
    return store
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()))
    await Promise.all(schemas.splice(0).map(dropSchema))
  })

  async function writeSecrets(store: Store) {
    const secrets = {
      clientSecret: random('cs-'),
      accessToken: random('at-'),
      refreshToken: random('rt-'),
      state: random('st-'),
      codeVerifier: random('cv-'),
      connectToken: random('ct-'),
      webhookSecret: random('ws-'),
      endpointSecret: random('whsec_'),
    }
    await store.putIntegration({
      id: 'github-prod',
      connectorId: 'github',
      clientId: 'client-id',
      clientSecret: secrets.clientSecret,
      webhookSecret: secrets.webhookSecret,
    })
    await store.createWebhookEndpoint({ id: 'we_1', url: 'https://app.example/hooks', secret: secrets.endpointSecret })
    await store.saveConnection({
      id: 'conn-1',
      integrationId: 'github-prod',
      settings: { org: 'acme' },
      credentials: { access_token: secrets.accessToken, refresh_token: secrets.refreshToken },
      accountName: random('acct-'),
    })
    await store.createAuthSession({
      state: secrets.state,
      integrationId: 'github-prod',
      connectionId: null,
      redirect: null,
      data: { codeVerifier: secrets.codeVerifier },
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    })
    await store.createConnectSession({
      token: secrets.connectToken,
      integrationId: 'github-prod',
      connectionId: null,
      redirect: null,
      endUser: null,
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    })
    return secrets
  }

  /** Every row of every table of a schema, as text. */
  async function dump(schema: string): Promise<string> {
    const { rows } = await adminPool().query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1",
      [schema],
    )
    const texts = await Promise.all(
      rows.map(async ({ name }) => {
        const result = await adminPool().query(`SELECT * FROM "${schema}"."${name}"`)
        return JSON.stringify(result.rows)
      }),
    )
    return texts.join('\n')
  }

  it('applies each migration once when several instances open a new schema together', async () => {
    const schema = newSchema()
    const stores = await Promise.all(Array.from({ length: 5 }, () => openAt(schema)))
    expect(stores).toHaveLength(5)
    const { rows } = await adminPool().query<{ version: number; n: number }>(
      `SELECT version, count(*)::int AS n FROM "${schema}".schema_migrations GROUP BY version ORDER BY version`,
    )
    expect(rows.length).toBeGreaterThanOrEqual(7)
    expect(rows.every((row) => row.n === 1)).toBe(true)
    expect(rows.map((row) => row.version)).toEqual(rows.map((_, i) => i + 1))
    // Opened again later: nothing left to apply, same rows.
    await openAt(schema)
    const again = await adminPool().query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`)
    expect(again.rows[0].n).toBe(rows.length)
  })

  it('writes no plaintext secret, state or token to the database', async () => {
    const schema = newSchema()
    const store = await openAt(schema)
    const secrets = await writeSecrets(store)
    const account = (await store.getConnection('conn-1'))!.accountName!
    const rows = await dump(schema)
    // The account name is stored in clear, so finding it proves the dump reads the live data.
    expect(rows).toContain(account)
    for (const secret of Object.values(secrets)) expect(rows).not.toContain(secret)
  })

  it('pages a damaged connection as error once a use has found it, without decrypting the list (#9)', async () => {
    const schema = newSchema()
    const store = await openAt(schema)
    const secrets = await writeSecrets(store)
    await store.saveConnection({ id: 'conn-2', integrationId: 'github-prod', settings: {}, credentials: { a: 1 } })
    await store.saveConnection({ id: 'conn-3', integrationId: 'github-prod', settings: {}, credentials: { a: 1 } })
    await adminPool().query(
      `UPDATE "${schema}".connections SET credentials_sealed =
         left(credentials_sealed, -3) ||
         (CASE substr(credentials_sealed, length(credentials_sealed) - 2, 1) WHEN 'A' THEN 'B' ELSE 'A' END) ||
         right(credentials_sealed, 2)
       WHERE id = 'conn-2'`,
    )
    // Not a sealed value at all: its header says so, no decryption needed.
    await adminPool().query(`UPDATE "${schema}".connections SET credentials_sealed = 'garbage' WHERE id = 'conn-3'`)
    const statuses = async () =>
      (await store.pageConnections({ limit: 10 })).connections.map((c) => [c.id, c.status])
    expect(await statuses()).toEqual([
      ['conn-1', 'active'],
      ['conn-2', 'active'],
      ['conn-3', 'error'],
    ])
    expect((await store.getConnection('conn-2'))?.credentialsUnreadable?.code).toBe('needs_reauth')
    expect(await statuses()).toEqual([
      ['conn-1', 'active'],
      ['conn-2', 'error'],
      ['conn-3', 'error'],
    ])
    const page = await store.pageConnections({ limit: 10 })
    expect(page.connections[1]?.lastError).toMatch(/cannot be decrypted/)
    expect(JSON.stringify(page)).not.toContain(secrets.accessToken)
    await store.saveConnection({ id: 'conn-2', integrationId: 'github-prod', settings: {}, credentials: { a: 2 } })
    expect((await store.pageConnections({ limit: 10 })).connections[1]).toMatchObject({
      status: 'active',
      lastError: null,
    })
  })

  it('saves a bulk import larger than one statement, a repeated id as the later save', async () => {
    const schema = newSchema()
    const store = await openAt(schema)
    await writeSecrets(store)
    const inputs = Array.from({ length: 1203 }, (_, i) => ({
      id: `bulk-${i % 1200}`,
      integrationId: 'github-prod',
      settings: {},
      credentials: { access_token: `at-${i}` },
      renewable: i % 2 === 0,
    }))
    expect(await store.saveConnections(inputs)).toBe(1203)
    expect((await store.getConnection('bulk-1'))?.credentials).toEqual({ access_token: 'at-1201' })
    expect((await store.getConnection('bulk-3'))?.credentials).toEqual({ access_token: 'at-3' })
    const { rows } = await adminPool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${schema}".connections WHERE id LIKE 'bulk-%'`,
    )
    expect(rows[0]?.n).toBe(1200)
  })

  it('refuses to open a database sealed by a key that is not configured, naming its fingerprint', async () => {
    const schema = newSchema()
    const original = randomBytes(32)
    const secrets = await writeSecrets(await openAt(schema, createKeyRing([{ id: 'k1', key: original }])))
    const error = await failure(openAt(schema, createKeyRing([{ id: 'k1', key: randomBytes(32) }])))
    expect(isPatchbayError(error, 'invalid_config'), String(error)).toBe(true)
    const message = (error as Error).message
    expect(message).toContain(keyFingerprint(original))
    for (const secret of Object.values(secrets)) expect(message).not.toContain(secret)
    const ring = createKeyRing([{ id: 'k2', key: randomBytes(32) }, { id: 'k1', key: original }])
    expect((await (await openAt(schema, ring)).getIntegration('github-prod'))?.clientSecret).toBe(
      secrets.clientSecret,
    )
  })

  it('reseals every secret with the primary key, so the old key can leave the ring', async () => {
    const schema = newSchema()
    const oldKey = { id: 'k1', key: randomBytes(32) }
    const newKey = { id: 'k2', key: randomBytes(32) }
    const secrets = await writeSecrets(await openAt(schema, createKeyRing([oldKey])))
    const rotating = await openAt(schema, createKeyRing([newKey, oldKey]))
    expect(await resealEverything(rotating, 2)).toEqual({
      batches: 3,
      resealed: 5,
      retried: 0,
      unreadable: [],
    })
    expect((await rotating.sealingKeys()).uses).toEqual([
      { keyId: keyFingerprint(newKey.key), format: 'pb2', values: 5 },
    ])
    expect((await resealEverything(rotating)).resealed).toBe(0)
    const rotated = await openAt(schema, createKeyRing([newKey]))
    expect((await rotated.getIntegration('github-prod'))?.webhookSecret).toBe(secrets.webhookSecret)
    expect((await rotated.getConnection('conn-1'))?.credentials['refresh_token']).toBe(
      secrets.refreshToken,
    )
    const now = Math.floor(Date.now() / 1000)
    expect((await rotated.takeAuthSession(secrets.state, now))?.data).toEqual({
      codeVerifier: secrets.codeVerifier,
    })
  })

  it('lets exactly one of many racing instances hold a refresh lease', async () => {
    const schema = newSchema()
    const [a, b, c] = await Promise.all([openAt(schema), openAt(schema), openAt(schema)])
    await a!.putIntegration({ id: 'i', connectorId: 'x' })
    await a!.saveConnection({ id: 'conn-1', integrationId: 'i', settings: {}, credentials: {} })
    const stores = [a!, b!, c!]
    const taken = await Promise.all(
      Array.from({ length: 30 }, (_, i) => stores[i % 3]!.acquireRefreshLease('conn-1', `h${i}`, 60_000)),
    )
    expect(taken.filter(Boolean)).toHaveLength(1)
  })

  function expectUnavailable(error: unknown, secret: string) {
    expect(isPatchbayError(error, 'store_unavailable'), String(error)).toBe(true)
    const message = (error as Error).message
    expect(message).toMatch(/^The database is unavailable \(PostgreSQL: [\w_]+\); try again shortly$/)
    expect(message).not.toContain(secret)
    expect((error as { status?: number }).status).toBe(503)
  }

  it('recovers by itself after the server ends its connections, losing nothing', async () => {
    const schema = newSchema()
    const store = await openAt(schema)
    await store.putIntegration({ id: 'i', connectorId: 'x', clientSecret: 'cs-secret-value' })
    // Every pooled connection open, then ended by the server, as a restart would.
    await Promise.all(Array.from({ length: 10 }, () => store.getIntegration('i')))
    expect(await terminateBackends(schema)).toBeGreaterThan(0)
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.getIntegration('i')),
    )
    for (const result of results) {
      if (result.status === 'rejected') expectUnavailable(result.reason, 'cs-secret-value')
    }
    // The pool replaces the dead connections: the next requests succeed, nothing was lost.
    for (let i = 0; i < 3; i += 1) {
      expect((await store.getIntegration('i'))?.clientSecret).toBe('cs-secret-value')
    }
  })

  it('fails with store_unavailable while the server is unreachable, and recovers by itself', async () => {
    const relay = await startPostgresRelay()
    try {
      const schema = newSchema()
      const store = await openPostgresStore({ url: relay.url(schema), keyRing, connectTimeoutMs: 1000 })
      opened.push(store)
      await store.putIntegration({ id: 'i', connectorId: 'x', clientSecret: 'cs-secret-value' })
      await Promise.all(Array.from({ length: 5 }, () => store.getIntegration('i')))
      await relay.cut()
      const down = await Promise.allSettled([
        ...Array.from({ length: 10 }, () => store.getIntegration('i')),
        store.putIntegration({ id: 'j', connectorId: 'x' }),
        store.ping(),
      ])
      for (const result of down) {
        expect(result.status).toBe('rejected')
        if (result.status === 'rejected') expectUnavailable(result.reason, 'cs-secret-value')
      }
      await relay.restore()
      expect((await store.getIntegration('i'))?.clientSecret).toBe('cs-secret-value')
      await store.ping()
      // The write refused while down was not half-done.
      expect(await store.getIntegration('j')).toBeNull()
    } finally {
      await relay.close()
    }
  })

  it('fails with store_unavailable, naming no password, when the server cannot be reached', async () => {
    const error = await failure(
      openPostgresStore({
        url: 'postgres://patchbay:hunter2-password@127.0.0.1:1/db',
        keyRing,
        connectTimeoutMs: 1000,
      }),
    )
    expect(isPatchbayError(error, 'store_unavailable'), String(error)).toBe(true)
    expect((error as Error).message).not.toContain('hunter2')
    expect(JSON.stringify(error)).not.toContain('hunter2')
  })
})

describe('openPostgresStore against a server that never answers', () => {
  it('fails with store_unavailable once the connect timeout has passed', async () => {
    const { createServer } = await import('node:net')
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as import('node:net').AddressInfo
    try {
      const error = await failure(
        openPostgresStore({ url: `postgres://pb@127.0.0.1:${port}/db`, keyRing, connectTimeoutMs: 300 }),
      )
      expect(isPatchbayError(error, 'store_unavailable'), String(error)).toBe(true)
      expect((error as Error).message).toContain('connect_timeout')
    } finally {
      silent.close()
    }
  })
})

describe('parsePostgresUrl', () => {
  it('takes the schema from the URL and hands the rest to the driver', () => {
    expect(parsePostgresUrl('postgres://u@h:5432/db?schema=tenant_a&sslmode=require')).toEqual({
      connectionString: 'postgres://u@h:5432/db?sslmode=require',
      schema: 'tenant_a',
    })
    expect(parsePostgresUrl('postgresql://u@h/db').schema).toBe('public')
  })

  it('refuses a schema that is not a plain identifier, and never repeats the password', () => {
    for (const url of ['postgres://u:pw-secret@h/db?schema=a;drop', 'mysql://u:pw-secret@h/db']) {
      const error = (() => {
        try {
          parsePostgresUrl(url)
        } catch (e) {
          return e as Error
        }
        return null
      })()
      expect(error).toBeInstanceOf(TypeError)
      expect(error?.message).not.toContain('pw-secret')
    }
  })
})
