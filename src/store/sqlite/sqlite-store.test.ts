import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { resealEverything, runStoreContract } from '../contract.js'
import { createKeyRing, keyFingerprint } from '../seal.js'
import type { Store } from '../types.js'
import { MIGRATIONS } from './migrations.js'
import { openSqliteStore } from './sqlite-store.js'

const dir = mkdtempSync(join(tmpdir(), 'patchbay-store-'))
const keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
let fileCount = 0

function newPath(): string {
  fileCount += 1
  return join(dir, `nested-${fileCount}`, 'patchbay.db')
}

function random(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

runStoreContract('sqlite file', async () => openSqliteStore({ path: newPath(), keyRing }), {
  async openPair() {
    const path = newPath()
    return [openSqliteStore({ path, keyRing }), openSqliteStore({ path, keyRing })]
  },
  async newDatabase() {
    const path = newPath()
    return async (ring) => openSqliteStore({ path, keyRing: ring })
  },
})
runStoreContract('sqlite :memory:', async () => openSqliteStore({ path: ':memory:', keyRing }))

describe('openSqliteStore', () => {
  const opened: Store[] = []
  function openAt(path: string, ring = keyRing): Store {
    const store = openSqliteStore({ path, keyRing: ring })
    opened.push(store)
    return store
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()))
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
    await store.createWebhookEndpoint({
      id: 'we_1',
      url: 'https://app.example/hooks',
      secret: secrets.endpointSecret,
    })
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

  function fileBytes(path: string): string {
    return ['', '-wal', '-shm', '-journal']
      .map((suffix) => path + suffix)
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file).toString('latin1'))
      .join('\n')
  }

  it('creates the parent directory and uses WAL mode', async () => {
    const path = newPath()
    await openAt(path).close()
    const db = new Database(path, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('writes no plaintext secret, state or token to the database files', async () => {
    const path = newPath()
    const store = openAt(path)
    const secrets = await writeSecrets(store)
    const account = (await store.getConnection('conn-1'))!.accountName!

    const whileOpen = fileBytes(path)
    // The account name is stored in clear, so finding it proves the scan reads the live data.
    expect(whileOpen).toContain(account)
    for (const secret of Object.values(secrets)) expect(whileOpen).not.toContain(secret)

    await store.close()
    const afterClose = fileBytes(path)
    expect(afterClose).toContain(account)
    for (const secret of Object.values(secrets)) expect(afterClose).not.toContain(secret)
  })

  it('reads secrets back after re-opening the file with the same key', async () => {
    const path = newPath()
    const first = openAt(path)
    const secrets = await writeSecrets(first)
    await first.close()

    const again = openAt(path)
    expect((await again.getIntegration('github-prod'))?.clientSecret).toBe(secrets.clientSecret)
    expect((await again.getIntegration('github-prod'))?.webhookSecret).toBe(secrets.webhookSecret)
    expect((await again.getWebhookEndpoint('we_1'))?.secret).toBe(secrets.endpointSecret)
    expect((await again.getConnection('conn-1'))?.credentials).toEqual({
      access_token: secrets.accessToken,
      refresh_token: secrets.refreshToken,
    })
    const session = await again.takeAuthSession(secrets.state, Math.floor(Date.now() / 1000))
    expect(session?.data).toEqual({ codeVerifier: secrets.codeVerifier })
    const now = Math.floor(Date.now() / 1000)
    expect(await again.consumeConnectSession(secrets.connectToken, now)).toBe(true)
  })

  it('refuses to open a database sealed by a key that is not configured, naming its fingerprint (#8)', async () => {
    const path = newPath()
    const original = randomBytes(32)
    const first = openAt(path, createKeyRing([{ id: 'k1', key: original }]))
    const secrets = await writeSecrets(first)
    await first.close()

    // The same label, another key: before fingerprints both were "k1".
    const error = (() => {
      try {
        openAt(path, createKeyRing([{ id: 'k1', key: randomBytes(32) }]))
      } catch (e) {
        return e
      }
      return null
    })()
    expect(isPatchbayError(error, 'invalid_config')).toBe(true)
    const message = (error as Error).message
    expect(message).toContain('PATCHBAY_ENCRYPTION_KEY')
    expect(message).toContain(keyFingerprint(original))
    expect(message).not.toContain('\n')
    for (const secret of [...Object.values(secrets), original.toString('base64')]) {
      expect(message).not.toContain(secret)
    }
    // Given the key back (as an old key of a ring), it opens again.
    const ring = createKeyRing([{ id: 'k2', key: randomBytes(32) }, { id: 'k1', key: original }])
    expect((await openAt(path, ring).getIntegration('github-prod'))?.clientSecret).toBe(
      secrets.clientSecret,
    )
  })

  it('forgets a key once no stored value needs it, so an old key can leave the ring', async () => {
    const path = newPath()
    const oldKey = { id: 'k1', key: randomBytes(32) }
    const newKey = { id: 'k2', key: randomBytes(32) }
    const first = openAt(path, createKeyRing([oldKey]))
    const secrets = await writeSecrets(first)
    await first.close()

    // Every value written again under the new key: upserts, updates and deletes all counted.
    const rotating = openAt(path, createKeyRing([newKey, oldKey]))
    await rotating.putIntegration({
      id: 'github-prod',
      connectorId: 'github',
      clientSecret: secrets.clientSecret,
      webhookSecret: secrets.webhookSecret,
    })
    await rotating.saveConnection({
      id: 'conn-1',
      integrationId: 'github-prod',
      settings: {},
      credentials: { access_token: 'resealed' },
    })
    await rotating.deleteWebhookEndpoint('we_1')
    await rotating.takeAuthSession(secrets.state, Math.floor(Date.now() / 1000))
    await rotating.close()

    const rotated = openAt(path, createKeyRing([newKey]))
    expect((await rotated.getConnection('conn-1'))?.credentials).toEqual({
      access_token: 'resealed',
    })
    await rotated.deleteConnection('conn-1')
    await rotated.deleteIntegration('github-prod')
    await rotated.close()
    // Nothing sealed is left, so any key opens the file.
    await openAt(path, createKeyRing([{ key: randomBytes(32) }])).close()
  })

  it('reseals every secret with the primary key, naming values that do not open', async () => {
    const path = newPath()
    const oldKey = { id: 'k1', key: randomBytes(32) }
    const newKey = { id: 'k2', key: randomBytes(32) }
    const first = openAt(path, createKeyRing([oldKey]))
    const secrets = await writeSecrets(first)
    await first.saveConnection({
      id: 'conn-damaged',
      integrationId: 'github-prod',
      settings: {},
      credentials: { access_token: 'at-damaged' },
    })
    await first.close()
    // One flipped character inside the ciphertext, as disk damage would leave it.
    const db = new Database(path)
    db.prepare(
      `UPDATE connections SET credentials_sealed = substr(credentials_sealed, 1, length(credentials_sealed) - 3)
         || (CASE substr(credentials_sealed, -3, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(credentials_sealed, -2)
       WHERE id = 'conn-damaged'`,
    ).run()
    db.close()

    const rotating = openAt(path, createKeyRing([newKey, oldKey]))
    expect(await resealEverything(rotating, 2)).toEqual({
      batches: 3,
      resealed: 5,
      retried: 0,
      unreadable: ['connections:conn-damaged:credentials_sealed'],
    })
    // The damaged value keeps its key in use; a second run passes over it again.
    expect((await rotating.sealingKeys()).uses.sort((a, b) => b.values - a.values)).toEqual([
      { keyId: keyFingerprint(newKey.key), format: 'pb2', values: 5 },
      { keyId: keyFingerprint(oldKey.key), format: 'pb2', values: 1 },
    ])
    expect(await resealEverything(rotating, 2)).toMatchObject({ resealed: 0, unreadable: ['connections:conn-damaged:credentials_sealed'] })
    await rotating.deleteConnection('conn-damaged')
    await rotating.close()

    const rotated = openAt(path, createKeyRing([newKey]))
    expect((await rotated.getIntegration('github-prod'))?.clientSecret).toBe(secrets.clientSecret)
    expect((await rotated.getConnection('conn-1'))?.credentials['access_token']).toBe(
      secrets.accessToken,
    )
    expect((await rotated.listWebhookEndpoints())[0]?.secret).toBe(secrets.endpointSecret)
    const now = Math.floor(Date.now() / 1000)
    expect((await rotated.takeAuthSession(secrets.state, now))?.data).toEqual({
      codeVerifier: secrets.codeVerifier,
    })
  })

  it('reads a database sealed before key fingerprints and renames its key ids', async () => {
    const path = newPath()
    const key = randomBytes(32)
    const first = openAt(path, createKeyRing([{ id: 'k1', key }]))
    const secrets = await writeSecrets(first)
    await first.close()
    // Rewrite every sealed value to the old form: the same bytes, with the label as key id.
    const db = new Database(path)
    const columns = [
      ['integrations', 'client_secret_sealed'],
      ['integrations', 'webhook_secret_sealed'],
      ['connections', 'credentials_sealed'],
      ['auth_sessions', 'data_sealed'],
      ['webhook_endpoints', 'secret_sealed'],
    ]
    const legacy = `'pb1.k1.' || substr(COL, 22)`
    for (const [table, column] of columns) {
      db.prepare(`UPDATE ${table} SET ${column} = ${legacy.replace('COL', column!)}`).run()
    }
    db.close()

    expect(() => openAt(path, createKeyRing([{ id: 'k1', key: randomBytes(32) }]))).toThrow(
      /labelled "k1".*PATCHBAY_ENCRYPTION_KEY/,
    )
    const store = openAt(path, createKeyRing([{ id: 'k1', key }]))
    expect((await store.getIntegration('github-prod'))?.clientSecret).toBe(secrets.clientSecret)
    expect((await store.getIntegration('github-prod'))?.webhookSecret).toBe(secrets.webhookSecret)
    expect((await store.getConnection('conn-1'))?.credentials).toEqual({
      access_token: secrets.accessToken,
      refresh_token: secrets.refreshToken,
    })
    expect((await store.listWebhookEndpoints())[0]?.secret).toBe(secrets.endpointSecret)
    await store.close()

    const check = new Database(path, { readonly: true })
    for (const [table, column] of columns) {
      const rows = check.prepare(`SELECT ${column} AS v FROM ${table}`).all() as { v: string }[]
      for (const row of rows) expect(row.v.startsWith(`pb2.${keyFingerprint(key)}.`)).toBe(true)
    }
    check.close()
    // Renamed, the values open under the fingerprint alone, with no label in the ring.
    const unlabelled = openAt(path, createKeyRing([{ key }]))
    const session = await unlabelled.takeAuthSession(secrets.state, Math.floor(Date.now() / 1000))
    expect(session?.data).toEqual({ codeVerifier: secrets.codeVerifier })
  })

  it('reads rows changed by SQL that does not touch the version, and keeps it on a lease (issue 9)', async () => {
    const path = newPath()
    const store = openAt(path)
    await store.putIntegration({ id: 'gh', connectorId: 'github', clientId: 'client-1' })
    await store.saveConnection({ id: 'c1', integrationId: 'gh', settings: {}, credentials: { t: 1 } })
    expect((await store.getConnection('c1'))?.status).toBe('active')
    expect((await store.getIntegration('gh'))?.clientId).toBe('client-1')
    const db = new Database(path)
    try {
      const versionOf = db.prepare<[string], number>('SELECT version FROM connections WHERE id = ?').pluck()
      const before = versionOf.get('c1')!
      expect(await store.acquireRefreshLease('c1', 'holder', 60_000)).toBe(true)
      expect(versionOf.get('c1')).toBe(before)

      db.prepare("UPDATE connections SET status = 'error', last_error = 'by hand' WHERE id = 'c1'").run()
      db.prepare("UPDATE integrations SET client_id = 'client-2' WHERE id = 'gh'").run()
      expect(versionOf.get('c1')).toBe(before + 1)
      expect(await store.getConnection('c1')).toMatchObject({ status: 'error', lastError: 'by hand' })
      expect((await store.getIntegration('gh'))?.clientId).toBe('client-2')

      // A row deleted and inserted again by other code starts at a new version, not the default.
      const row = db.prepare("SELECT * FROM connections WHERE id = 'c1'").get() as Record<string, unknown>
      db.prepare("DELETE FROM connections WHERE id = 'c1'").run()
      db.prepare(
        `INSERT INTO connections (id, integration_id, settings, credentials_sealed, status, created_at,
           updated_at) VALUES ('c1', 'gh', '{"again":true}', ?, 'active', 0, 0)`,
      ).run(row['credentials_sealed'])
      expect(versionOf.get('c1')).not.toBe(0)
      expect(versionOf.get('c1')).not.toBe(before + 1)
      expect(await store.getConnection('c1')).toMatchObject({ settings: { again: true }, status: 'active' })
    } finally {
      db.close()
    }
  })

  it('answers reads the same with the cache turned off', async () => {
    const path = newPath()
    const store = openSqliteStore({ path, keyRing, cacheEntries: 0 })
    opened.push(store)
    await store.putIntegration({ id: 'gh', connectorId: 'github', clientSecret: 'cs' })
    await store.saveConnection({ id: 'c1', integrationId: 'gh', settings: {}, credentials: { t: 1 } })
    expect((await store.getConnection('c1'))?.credentials).toEqual({ t: 1 })
    expect((await store.getIntegration('gh'))?.clientSecret).toBe('cs')
    expect(() => openSqliteStore({ path, keyRing, cacheEntries: -1 })).toThrow(TypeError)
  })

  it('creates the database file 0600 and its directory 0700, whatever the umask', async () => {
    for (const mask of [0o022, 0o000]) {
      const previous = process.umask(mask)
      try {
        const path = newPath()
        const store = openAt(path)
        await writeSecrets(store)
        expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700)
        for (const file of [path, `${path}-wal`, `${path}-shm`]) {
          expect(statSync(file).mode & 0o777, `${file} with umask ${mask.toString(8)}`).toBe(0o600)
        }
      } finally {
        process.umask(previous)
      }
    }
  })

  it('warns about an existing database file that others can read, and leaves its mode', async () => {
    const path = newPath()
    await openAt(path).close()
    chmodSync(path, 0o644)
    const warnings: string[] = []
    opened.push(openSqliteStore({ path, keyRing, warn: (message) => warnings.push(message) }))
    expect(warnings).toEqual([expect.stringContaining(`${path} is readable by other users`)])
    expect(statSync(path).mode & 0o777).toBe(0o644)
  })

  it('opens values sealed with an old key after rotation, resealing with the new', async () => {
    const oldKey = { id: 'k1', key: randomBytes(32) }
    const newKey = { id: 'k2', key: randomBytes(32) }
    const path = newPath()
    const first = openAt(path, createKeyRing([oldKey]))
    const secrets = await writeSecrets(first)
    await first.close()

    const rotated = openAt(path, createKeyRing([newKey, oldKey]))
    expect((await rotated.getIntegration('github-prod'))?.clientSecret).toBe(secrets.clientSecret)
    await rotated.updateConnection('conn-1', { credentials: { access_token: 'fresh' } })
    await rotated.close()

    const db = new Database(path, { readonly: true })
    const row = db.prepare('SELECT credentials_sealed FROM connections').get() as {
      credentials_sealed: string
    }
    db.close()
    expect(row.credentials_sealed.startsWith(`pb2.${keyFingerprint(newKey.key)}.`)).toBe(true)
  })

  it('refuses credentials copied from another connection row', async () => {
    const path = newPath()
    const store = openAt(path)
    await writeSecrets(store)
    await store.saveConnection({
      id: 'conn-2',
      integrationId: 'github-prod',
      settings: {},
      credentials: { access_token: 'other' },
    })
    await store.close()

    const db = new Database(path)
    db.prepare(
      `UPDATE connections SET credentials_sealed =
         (SELECT credentials_sealed FROM connections WHERE id = 'conn-1')
       WHERE id = 'conn-2'`,
    ).run()
    db.close()

    const again = openAt(path)
    const copied = await again.getConnection('conn-2')
    expect(copied?.status).toBe('error')
    expect(copied?.credentials).toEqual({})
    expect(copied?.credentialsUnreadable?.code).toBe('needs_reauth')
    expect((await again.getConnection('conn-1'))?.status).toBe('active')
  })

  it('lists a connection whose credentials are damaged as error, and the others as usual (#8)', async () => {
    const path = newPath()
    const store = openAt(path)
    const secrets = await writeSecrets(store)
    await store.saveConnection({
      id: 'conn-2',
      integrationId: 'github-prod',
      settings: {},
      credentials: { access_token: secrets.accessToken },
    })
    await store.close()
    const db = new Database(path)
    // One flipped character in the ciphertext: GCM's tag no longer matches.
    db.prepare(
      `UPDATE connections SET credentials_sealed =
         substr(credentials_sealed, 1, length(credentials_sealed) - 3) ||
         (CASE substr(credentials_sealed, -3, 1) WHEN 'A' THEN 'B' ELSE 'A' END) ||
         substr(credentials_sealed, -2)
       WHERE id = 'conn-2'`,
    ).run()
    db.close()

    const list = await openAt(path).listConnections()
    expect(list.map((c) => [c.id, c.status])).toEqual([
      ['conn-1', 'active'],
      ['conn-2', 'error'],
    ])
    expect(list[0]?.credentials['access_token']).toBe(secrets.accessToken)
    expect(list[1]?.lastError).toMatch(/cannot be decrypted/)
    expect(JSON.stringify(list[1])).not.toContain(secrets.accessToken)
  })

  it('pages a damaged connection as error once a use has found it, without decrypting the list (#9)', async () => {
    const path = newPath()
    const store = openAt(path)
    const secrets = await writeSecrets(store)
    await store.saveConnection({ id: 'conn-2', integrationId: 'github-prod', settings: {}, credentials: { a: 1 } })
    await store.saveConnection({ id: 'conn-3', integrationId: 'github-prod', settings: {}, credentials: { a: 1 } })
    await store.close()
    const db = new Database(path)
    db.prepare(
      `UPDATE connections SET credentials_sealed =
         substr(credentials_sealed, 1, length(credentials_sealed) - 3) ||
         (CASE substr(credentials_sealed, -3, 1) WHEN 'A' THEN 'B' ELSE 'A' END) ||
         substr(credentials_sealed, -2)
       WHERE id = 'conn-2'`,
    ).run()
    // Not a sealed value at all: its header says so, no decryption needed.
    db.prepare(`UPDATE connections SET credentials_sealed = 'garbage' WHERE id = 'conn-3'`).run()
    db.close()

    const again = openAt(path)
    const statuses = async () =>
      (await again.pageConnections({ limit: 10 })).connections.map((c) => [c.id, c.status])
    // The ciphertext's damage shows only to decrypting, which a page does not do.
    expect(await statuses()).toEqual([
      ['conn-1', 'active'],
      ['conn-2', 'active'],
      ['conn-3', 'error'],
    ])
    expect((await again.getConnection('conn-2'))?.credentialsUnreadable?.code).toBe('needs_reauth')
    expect(await statuses()).toEqual([
      ['conn-1', 'active'],
      ['conn-2', 'error'],
      ['conn-3', 'error'],
    ])
    const page = await again.pageConnections({ limit: 10 })
    expect(page.connections[1]?.lastError).toMatch(/cannot be decrypted/)
    expect(JSON.stringify(page)).not.toContain(secrets.accessToken)
    // Connecting again replaces the damaged value and the error with it.
    await again.saveConnection({ id: 'conn-2', integrationId: 'github-prod', settings: {}, credentials: { a: 2 } })
    expect((await again.pageConnections({ limit: 10 })).connections[1]).toMatchObject({
      status: 'active',
      lastError: null,
    })
  })

  it('pages and finds due connections through an index, never a scan of the table (#9)', async () => {
    const path = newPath()
    const store = openAt(path)
    await writeSecrets(store)
    await store.pageConnections({ limit: 5, integrationId: 'github-prod', status: 'active' })
    await store.dueForRefresh(600_000, 10)
    await store.close()
    const db = new Database(path, { readonly: true })
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ')
    expect(plan(`SELECT id FROM connections WHERE status = 'active' AND (created_at, id) > (1, 'a')
      ORDER BY created_at, id LIMIT 10`)).toMatch(/SEARCH .*USING (COVERING )?INDEX connections_status_created/)
    expect(plan(`SELECT id, settings FROM connections WHERE (created_at, id) > (1, 'a')
      ORDER BY created_at, id LIMIT 10`)).toMatch(/SEARCH .*USING INDEX connections_created/)
    expect(plan(`SELECT id FROM connections WHERE expires_at IS NOT NULL AND status <> 'needs_reauth'
      AND renewable IS NOT 0 AND expires_at <= 5 ORDER BY expires_at, id LIMIT 10`)).toMatch(
      /USING (COVERING )?INDEX connections_due/,
    )
    db.close()
  })

  it('applies each migration once, however often the file is opened', async () => {
    const path = newPath()
    const store = openAt(path)
    await writeSecrets(store)
    await store.close()
    await openAt(path).close()
    const again = openAt(path)
    expect(await again.getIntegration('github-prod')).not.toBeNull()
    await again.close()

    const db = new Database(path, { readonly: true })
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()
    db.close()
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })))
  })

  it('lets only one of two stores sharing a file hold a refresh lease', async () => {
    const path = newPath()
    const one = openAt(path)
    const two = openAt(path)
    await writeSecrets(one)
    expect(await one.acquireRefreshLease('conn-1', 'process-1', 60_000)).toBe(true)
    expect(await two.acquireRefreshLease('conn-1', 'process-2', 60_000)).toBe(false)
    await one.releaseRefreshLease('conn-1', 'process-1')
    expect(await two.acquireRefreshLease('conn-1', 'process-2', 60_000)).toBe(true)
  })

  it('lets only one of two stores sharing a file take an auth session', async () => {
    const path = newPath()
    const one = openAt(path)
    const two = openAt(path)
    const secrets = await writeSecrets(one)
    const now = Math.floor(Date.now() / 1000)
    expect(await two.takeAuthSession(secrets.state, now)).not.toBeNull()
    expect(await one.takeAuthSession(secrets.state, now)).toBeNull()
  })
})
