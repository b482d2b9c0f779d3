import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSandboxConnector } from '../src/connectors/index.js'
import { isPatchbayError } from '../src/errors.js'
import { createPatchbay } from '../src/runtime/index.js'
import type { Patchbay } from '../src/runtime/index.js'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'
import type { KeyRing, Store } from '../src/store/index.js'

// Issue 9 items 1 and 2: a connection resolved in one go, and the per-process credential cache
// seeing what another process (another store handle on the same file) wrote.

let dir: string
let sandbox: Sandbox
let keyRing: KeyRing
const opened: { stores: Store[]; runtimes: Patchbay[] } = { stores: [], runtimes: [] }

async function runtime(now: () => number = () => Math.floor(Date.now() / 1000)) {
  const store = openSqliteStore({ path: join(dir, 'patchbay.db'), keyRing })
  opened.stores.push(store)
  const patchbay = await createPatchbay({
    store,
    connectors: [createSandboxConnector({ url: sandbox.url })],
    now,
  })
  opened.runtimes.push(patchbay)
  return { store, patchbay }
}

async function expiredConnection(store: Store, id: string, now: number): Promise<string> {
  const refreshToken = sandbox.issueRefreshToken(sandbox.defaultClient.clientId, 'profile')
  await store.saveConnection({
    id,
    integrationId: 'sandbox',
    settings: {},
    credentials: { accessToken: 'expired', tokenType: 'Bearer', refreshToken },
    expiresAt: now - 10,
    issuedAt: now - 3610,
  })
  return refreshToken
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-resolve-'))
  sandbox = await startSandbox()
  keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
  const { store } = await runtime()
  await store.putIntegration({
    id: 'sandbox',
    connectorId: 'sandbox',
    clientId: sandbox.defaultClient.clientId,
    clientSecret: sandbox.defaultClient.clientSecret,
  })
})

afterEach(async () => {
  for (const patchbay of opened.runtimes.splice(0)) await patchbay.close()
  for (const store of opened.stores.splice(0)) await store.close()
  await sandbox.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('patchbay.resolveConnection', () => {
  it('returns the connection, its integration and connector, and its fresh credentials', async () => {
    const { store, patchbay } = await runtime()
    await store.saveConnection({
      id: 'c1',
      integrationId: 'sandbox',
      settings: {},
      credentials: { accessToken: 'at-1', tokenType: 'Bearer' },
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    })

    const resolved = await patchbay.resolveConnection('c1')

    expect(resolved.connection.id).toBe('c1')
    expect(resolved.credentials).toEqual({ accessToken: 'at-1', tokenType: 'Bearer' })
    expect(resolved.connection.credentials).toBe(resolved.credentials)
    expect(resolved.integration.clientSecret).toBe(sandbox.defaultClient.clientSecret)
    expect(resolved.connector.id).toBe('sandbox')
    expect(await patchbay.getCredentials('c1')).toEqual(resolved.credentials)
  })

  it('refreshes credentials near expiry first and returns the new expiry with them', async () => {
    const now = Math.floor(Date.now() / 1000)
    const { store, patchbay } = await runtime()
    const refreshToken = await expiredConnection(store, 'c1', now)

    const resolved = await patchbay.resolveConnection('c1')

    expect(resolved.credentials['accessToken']).not.toBe('expired')
    expect(resolved.connection.credentials).toBe(resolved.credentials)
    expect(resolved.connection.expiresAt).toBeGreaterThan(now)
    expect(sandbox.stats().tokenRequests.refresh_token).toBe(1)
    expect(resolved.credentials['refreshToken']).toBeDefined()
    expect(resolved.credentials['refreshToken']).not.toBe(refreshToken)
  })

  it('fails with not_found for an unknown connection', async () => {
    const { patchbay } = await runtime()
    const failure = await patchbay.resolveConnection('nope').then(
      () => null,
      (error: unknown) => error,
    )
    expect(isPatchbayError(failure, 'not_found')).toBe(true)
  })
})

describe('credentials read by one process after another wrote them (issue 9)', () => {
  it('sees a refresh made by another process on its next read', async () => {
    const now = Math.floor(Date.now() / 1000)
    const first = await runtime()
    const second = await runtime()
    await expiredConnection(first.store, 'c1', now)
    // The first process reads (and may keep) the expired credentials before the other refreshes.
    expect((await first.store.getConnection('c1'))?.credentials['accessToken']).toBe('expired')

    const renewed = await second.patchbay.getCredentials('c1')

    expect(renewed['accessToken']).not.toBe('expired')
    expect(await first.patchbay.getCredentials('c1')).toEqual(renewed)
    expect((await first.patchbay.resolveConnection('c1')).connection.expiresAt).toBeGreaterThan(now)
    expect(sandbox.stats().tokenRequests.refresh_token).toBe(1)
  })

  it('sees a new client secret set by another process', async () => {
    const first = await runtime()
    const second = await runtime()
    expect((await first.store.getIntegration('sandbox'))?.clientSecret).toBe(
      sandbox.defaultClient.clientSecret,
    )

    await second.store.putIntegration({
      id: 'sandbox',
      connectorId: 'sandbox',
      clientId: 'other-client',
      clientSecret: 'other-secret',
    })

    const seen = await first.store.getIntegration('sandbox')
    expect(seen?.clientId).toBe('other-client')
    expect(seen?.clientSecret).toBe('other-secret')
  })

  it('reads a connection deleted and re-created under its id by another process, and its deletion', async () => {
    const first = await runtime()
    const second = await runtime()
    const save = (store: Store, accessToken: string) =>
      store.saveConnection({
        id: 'c1',
        integrationId: 'sandbox',
        settings: {},
        credentials: { accessToken, tokenType: 'Bearer' },
      })
    await save(first.store, 'before')
    expect((await first.store.getConnection('c1'))?.credentials['accessToken']).toBe('before')

    await second.store.deleteConnection('c1')
    await save(second.store, 'after')
    expect((await first.store.getConnection('c1'))?.credentials['accessToken']).toBe('after')

    await second.store.deleteConnection('c1')
    expect(await first.store.getConnection('c1')).toBeNull()
  })

  it('hands each caller its own copy: changing one does not change what the next read returns', async () => {
    const { store, patchbay } = await runtime()
    await store.saveConnection({
      id: 'c1',
      integrationId: 'sandbox',
      settings: { team: 'a' },
      credentials: { accessToken: 'at-1', tokenType: 'Bearer' },
    })
    const first = await patchbay.getCredentials('c1')
    first['accessToken'] = 'changed by a caller'
    const connection = await store.getConnection('c1')
    connection!.settings['team'] = 'b'

    expect((await patchbay.getCredentials('c1'))['accessToken']).toBe('at-1')
    expect((await store.getConnection('c1'))?.settings).toEqual({ team: 'a' })
  })
})
