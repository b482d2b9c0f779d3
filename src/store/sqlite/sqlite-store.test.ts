import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { runStoreContract } from '../contract.js'
import { createKeyRing } from '../seal.js'
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

runStoreContract('sqlite file', async () => openSqliteStore({ path: newPath(), keyRing }))
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

  it('refuses to read secrets with a different key, with an internal PatchbayError', async () => {
    const path = newPath()
    const first = openAt(path)
    const secrets = await writeSecrets(first)
    await first.close()

    const other = openAt(path, createKeyRing([{ id: 'k1', key: randomBytes(32) }]))
    for (const read of [
      () => other.getConnection('conn-1'),
      () => other.listConnections(),
      () => other.getIntegration('github-prod'),
      () => other.listWebhookEndpoints(),
      () => other.takeAuthSession(secrets.state, Math.floor(Date.now() / 1000)),
    ]) {
      const error = await read().then(
        () => null,
        (e: unknown) => e,
      )
      expect(isPatchbayError(error, 'internal')).toBe(true)
      for (const secret of Object.values(secrets)) {
        expect((error as Error).message).not.toContain(secret)
      }
    }
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
    expect(row.credentials_sealed.startsWith('pb1.k2.')).toBe(true)
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
    const error = await again.getConnection('conn-2').catch((e: unknown) => e)
    expect(isPatchbayError(error, 'internal')).toBe(true)
    expect(await again.getConnection('conn-1')).not.toBeNull()
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
