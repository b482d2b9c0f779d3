import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { runEventStoreContract } from './contract-events.js'
import { createKeyRing, keyFingerprint } from './seal.js'
import type { KeyRing } from './seal.js'
import type {
  AuthSession,
  ConnectionInput,
  ConnectionPage,
  ConnectionQuery,
  ConnectSession,
  Store,
} from './types.js'

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

function randomToken(): string {
  return randomBytes(16).toString('base64url')
}

async function expectCode(promise: Promise<unknown>, code: 'bad_request' | 'internal') {
  const error = await promise.then(
    () => {
      throw new Error(`expected a PatchbayError ${code}, got success`)
    },
    (e: unknown) => e,
  )
  expect(isPatchbayError(error, code), String(error)).toBe(true)
}

/** Options of {@link runStoreContract}. */
export interface StoreContractOptions {
  /**
   * Opens two handles on one fresh, empty database, as two processes sharing it would have.
   * Given, the suite also checks that what one writes the other reads at once (issue 9: no
   * cache may serve a row another process changed).
   */
  openPair?: () => Promise<[Store, Store]>
  /**
   * Makes a fresh, empty database and returns a way to open handles on it, each with its own key
   * ring, as instances and `patchbay encryption-keys rotate` configured with different
   * `PATCHBAY_ENCRYPTION_KEY`s have. Given, the suite checks online key rotation.
   */
  newDatabase?: () => Promise<(keyRing: KeyRing) => Promise<Store>>
}

/**
 * Seals every value again with the store's primary key, `limit` values per batch, as a rotation
 * does: read a batch, write it, carry on from the cursor. Returns the totals.
 */
export async function resealEverything(store: Store, limit = 100) {
  let cursor = null as Awaited<ReturnType<Store['readResealBatch']>>['next']
  const totals = { batches: 0, resealed: 0, retried: 0, unreadable: [] as string[] }
  do {
    const batch = await store.readResealBatch(cursor, limit)
    cursor = batch.next
    totals.unreadable.push(...batch.unreadable)
    if (batch.items.length === 0) continue
    const written = await store.writeResealBatch(batch.items)
    totals.batches += 1
    totals.resealed += written.resealed
    totals.retried += written.retried
    totals.unreadable.push(...written.unreadable)
  } while (cursor !== null)
  return totals
}

/**
 * The behaviour every {@link Store} implementation must show. Call it from an implementation's
 * test file; `open` must return a fresh, empty store each time.
 *
 * @example
 * runStoreContract('sqlite :memory:', async () => openSqliteStore({ path: ':memory:', keyRing }))
 */
export function runStoreContract(
  name: string,
  open: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  if (options.openPair) runSharedStoreContract(name, options.openPair)
  if (options.newDatabase) runRotationContract(name, options.newDatabase)
  runEventStoreContract(name, open)
  describe(`Store contract: ${name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await open()
    })

    afterEach(async () => {
      await store.close()
    })

    async function withIntegration(id = 'github-prod') {
      return store.putIntegration({ id, connectorId: 'github' })
    }

    function connectionInput(overrides: Partial<ConnectionInput> = {}): ConnectionInput {
      return {
        id: 'conn-1',
        integrationId: 'github-prod',
        settings: { org: 'acme' },
        credentials: { access_token: 'at-1', refresh_token: 'rt-1', nested: { a: [1, true] } },
        ...overrides,
      }
    }

    describe('connectors', () => {
      it('stores a JSON definition and reads it back', async () => {
        const before = nowSeconds()
        const definition = { id: 'trello', name: 'Trello', auth: { type: 'api_key' }, n: [1, null] }
        const saved = await store.putConnector('trello', definition)
        expect(saved).toMatchObject({ id: 'trello', definition })
        expect(saved.createdAt).toBeGreaterThanOrEqual(before)
        expect(saved.updatedAt).toBe(saved.createdAt)
        expect(await store.getConnector('trello')).toEqual(saved)
      })

      it('replaces a definition on a second put and keeps createdAt', async () => {
        const first = await store.putConnector('trello', { version: 1 })
        const second = await store.putConnector('trello', { version: 2 })
        expect(second.definition).toEqual({ version: 2 })
        expect(second.createdAt).toBe(first.createdAt)
        expect(second.updatedAt).toBeGreaterThanOrEqual(first.updatedAt)
        expect(await store.listConnectors()).toHaveLength(1)
      })

      it('lists connectors ordered by id', async () => {
        await store.putConnector('zendesk', {})
        await store.putConnector('asana', {})
        expect((await store.listConnectors()).map((c) => c.id)).toEqual(['asana', 'zendesk'])
      })

      it('returns null for an unknown connector and false when deleting it', async () => {
        expect(await store.getConnector('nope')).toBeNull()
        expect(await store.deleteConnector('nope')).toBe(false)
      })

      it('deletes a connector once', async () => {
        await store.putConnector('trello', {})
        expect(await store.deleteConnector('trello')).toBe(true)
        expect(await store.getConnector('trello')).toBeNull()
        expect(await store.deleteConnector('trello')).toBe(false)
      })
    })

    describe('integrations', () => {
      it('reads back every field, the client secret in plaintext', async () => {
        const saved = await store.putIntegration({
          id: 'github-prod',
          connectorId: 'github',
          clientId: 'cid',
          clientSecret: 'cs-secret',
          scopes: ['read:user', 'user:email'],
          redirectUri: 'https://app.example/callback',
          signinRedirectUris: ['https://app.example/signed-in'],
        })
        expect(saved).toMatchObject({
          id: 'github-prod',
          connectorId: 'github',
          clientId: 'cid',
          clientSecret: 'cs-secret',
          scopes: ['read:user', 'user:email'],
          redirectUri: 'https://app.example/callback',
          signinRedirectUris: ['https://app.example/signed-in'],
        })
        expect(await store.getIntegration('github-prod')).toEqual(saved)
      })

      it('defaults omitted fields to null', async () => {
        const saved = await withIntegration()
        expect(saved).toMatchObject({
          clientId: null,
          clientSecret: null,
          scopes: null,
          redirectUri: null,
          signinRedirectUris: null,
        })
        expect(await store.getIntegration('github-prod')).toEqual(saved)
      })

      it('keeps an empty scope list distinct from no scopes', async () => {
        await store.putIntegration({ id: 'i', connectorId: 'github', scopes: [] })
        expect((await store.getIntegration('i'))?.scopes).toEqual([])
      })

      it('replaces an integration on a second put and keeps createdAt', async () => {
        const first = await store.putIntegration({
          id: 'github-prod',
          connectorId: 'github',
          clientSecret: 'old',
          clientId: 'cid',
        })
        const second = await store.putIntegration({
          id: 'github-prod',
          connectorId: 'github',
          clientSecret: 'new',
        })
        expect(second.clientSecret).toBe('new')
        expect(second.clientId).toBeNull()
        expect(second.createdAt).toBe(first.createdAt)
        expect((await store.getIntegration('github-prod'))?.clientSecret).toBe('new')
      })

      it('lists integrations ordered by id', async () => {
        await withIntegration('b')
        await withIntegration('a')
        expect((await store.listIntegrations()).map((i) => i.id)).toEqual(['a', 'b'])
      })

      it('returns null for an unknown integration and false when deleting it', async () => {
        expect(await store.getIntegration('nope')).toBeNull()
        expect(await store.deleteIntegration('nope')).toBe(false)
      })

      it('refuses to delete an integration that still has connections', async () => {
        await withIntegration()
        await store.saveConnection(connectionInput())
        await expectCode(store.deleteIntegration('github-prod'), 'bad_request')
        expect(await store.getIntegration('github-prod')).not.toBeNull()
        await store.deleteConnection('conn-1')
        expect(await store.deleteIntegration('github-prod')).toBe(true)
        expect(await store.getIntegration('github-prod')).toBeNull()
      })
    })

    describe('connections', () => {
      beforeEach(async () => {
        await withIntegration()
      })

      it('saves a connection and reads back its settings and credentials', async () => {
        const before = nowSeconds()
        const saved = await store.saveConnection(
          connectionInput({ accountName: 'octocat', expiresAt: before + 3600, createdBy: 'u1' }),
        )
        expect(saved).toEqual({
          id: 'conn-1',
          integrationId: 'github-prod',
          settings: { org: 'acme' },
          credentials: { access_token: 'at-1', refresh_token: 'rt-1', nested: { a: [1, true] } },
          accountName: 'octocat',
          status: 'active',
          expiresAt: before + 3600,
          lastError: null,
          createdBy: 'u1',
          createdAt: saved.createdAt,
          updatedAt: saved.updatedAt,
          issuedAt: saved.createdAt,
          refreshAttempt: null,
        })
        expect(saved.createdAt).toBeGreaterThanOrEqual(before)
        expect(await store.getConnection('conn-1')).toEqual(saved)
      })

      it('defaults status to active and optional fields to null', async () => {
        const saved = await store.saveConnection(connectionInput())
        expect(saved).toMatchObject({
          status: 'active',
          accountName: null,
          expiresAt: null,
          lastError: null,
          createdBy: null,
        })
      })

      it('refuses a connection whose integration does not exist', async () => {
        await expectCode(
          store.saveConnection(connectionInput({ integrationId: 'missing' })),
          'bad_request',
        )
        expect(await store.getConnection('conn-1')).toBeNull()
      })

      it('replaces a connection with the same id, keeping createdAt and createdBy', async () => {
        const first = await store.saveConnection(connectionInput({ createdBy: 'u1' }))
        await store.updateConnection('conn-1', { status: 'needs_reauth', lastError: 'expired' })
        const second = await store.saveConnection(
          connectionInput({
            credentials: { access_token: 'at-2' },
            settings: { org: 'other' },
            accountName: 'hubot',
            createdBy: 'u2',
          }),
        )
        expect(second).toMatchObject({
          credentials: { access_token: 'at-2' },
          settings: { org: 'other' },
          accountName: 'hubot',
          status: 'active',
          lastError: null,
          createdBy: 'u1',
          createdAt: first.createdAt,
        })
        expect(await store.getConnection('conn-1')).toEqual(second)
        expect(await store.listConnections()).toHaveLength(1)
      })

      it('lists all connections, or only those of one integration', async () => {
        await withIntegration('google')
        await store.saveConnection(connectionInput({ id: 'a' }))
        await store.saveConnection(connectionInput({ id: 'b', integrationId: 'google' }))
        await store.saveConnection(connectionInput({ id: 'c' }))
        const ids = (list: { id: string }[]) => list.map((c) => c.id).sort()
        expect(ids(await store.listConnections())).toEqual(['a', 'b', 'c'])
        expect(ids(await store.listConnections({}))).toEqual(['a', 'b', 'c'])
        const github = await store.listConnections({ integrationId: 'github-prod' })
        expect(ids(github)).toEqual(['a', 'c'])
        expect(github[0]?.credentials).toEqual(connectionInput().credentials)
        expect(ids(await store.listConnections({ integrationId: 'google' }))).toEqual(['b'])
        expect(await store.listConnections({ integrationId: 'none' })).toEqual([])
      })

      it('updates only the fields a patch names', async () => {
        const saved = await store.saveConnection(
          connectionInput({ accountName: 'octocat', expiresAt: 100, createdBy: 'u1' }),
        )
        const updated = await store.updateConnection('conn-1', {
          credentials: { access_token: 'at-2', refresh_token: 'rt-2' },
          expiresAt: 200,
        })
        expect(updated).toEqual({
          ...saved,
          credentials: { access_token: 'at-2', refresh_token: 'rt-2' },
          expiresAt: 200,
          updatedAt: updated?.updatedAt,
        })
        expect(await store.getConnection('conn-1')).toEqual(updated)

        const failed = await store.updateConnection('conn-1', {
          status: 'error',
          lastError: 'provider said no',
          settings: { org: 'x' },
        })
        expect(failed).toMatchObject({
          status: 'error',
          lastError: 'provider said no',
          settings: { org: 'x' },
          credentials: { access_token: 'at-2', refresh_token: 'rt-2' },
          accountName: 'octocat',
        })
      })

      it('clears nullable fields patched with null', async () => {
        await store.saveConnection(connectionInput({ accountName: 'octocat', expiresAt: 100 }))
        await store.updateConnection('conn-1', { lastError: 'boom' })
        const cleared = await store.updateConnection('conn-1', {
          accountName: null,
          expiresAt: null,
          lastError: null,
        })
        expect(cleared).toMatchObject({ accountName: null, expiresAt: null, lastError: null })
      })

      it('returns null when updating an unknown connection', async () => {
        expect(await store.updateConnection('nope', { status: 'error' })).toBeNull()
        expect(await store.getConnection('nope')).toBeNull()
      })

      it('deletes a connection once', async () => {
        await store.saveConnection(connectionInput())
        expect(await store.deleteConnection('conn-1')).toBe(true)
        expect(await store.getConnection('conn-1')).toBeNull()
        expect(await store.deleteConnection('conn-1')).toBe(false)
      })
    })

    describe('connection pages', () => {
      async function walk(query: Omit<ConnectionQuery, 'cursor'>, between?: (page: number) => Promise<void>) {
        const seen: string[] = []
        let cursor: string | null = null
        for (let page = 0; page < 100; page += 1) {
          const result: ConnectionPage = await store.pageConnections({ ...query, cursor })
          expect(result.connections.length).toBeLessThanOrEqual(query.limit)
          seen.push(...result.connections.map((c) => c.id))
          cursor = result.nextCursor
          if (cursor === null) return seen
          await between?.(page)
        }
        throw new Error('the walk did not end')
      }

      it('pages through every connection once, oldest first, without credentials', async () => {
        await withIntegration()
        for (const id of ['e', 'a', 'd', 'b', 'c']) {
          await store.saveConnection(connectionInput({ id, accountName: `user-${id}`, expiresAt: 50 }))
        }
        const first = await store.pageConnections({ limit: 2 })
        expect(first.connections).toHaveLength(2)
        expect(first.nextCursor).toEqual(expect.any(String))
        expect(first.connections[0]).toEqual({
          id: expect.any(String),
          integrationId: 'github-prod',
          settings: { org: 'acme' },
          accountName: expect.stringMatching(/^user-/),
          status: 'active',
          expiresAt: 50,
          lastError: null,
          createdBy: null,
          createdAt: expect.any(Number),
          updatedAt: expect.any(Number),
          issuedAt: expect.any(Number),
        })
        const all = await walk({ limit: 2 })
        expect([...all].sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
        const full = await store.listConnections()
        const order = [...full].sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1))
        expect(all).toEqual(order.map((c) => c.id))
        const one = await store.pageConnections({ limit: 5 })
        expect(one.connections).toHaveLength(5)
        expect(one.nextCursor).toBeNull()
      })

      it('filters by integration and status', async () => {
        await withIntegration()
        await withIntegration('google')
        await store.saveConnection(connectionInput({ id: 'a' }))
        await store.saveConnection(connectionInput({ id: 'b', integrationId: 'google' }))
        await store.saveConnection(connectionInput({ id: 'c', status: 'needs_reauth' }))
        await store.saveConnection(connectionInput({ id: 'd', integrationId: 'google', status: 'needs_reauth' }))
        const sorted = (ids: string[]) => [...ids].sort()
        expect(sorted(await walk({ limit: 1, integrationId: 'github-prod' }))).toEqual(['a', 'c'])
        expect(sorted(await walk({ limit: 1, status: 'needs_reauth' }))).toEqual(['c', 'd'])
        expect(await walk({ limit: 10, integrationId: 'google', status: 'active' })).toEqual(['b'])
        expect(await walk({ limit: 10, integrationId: 'none' })).toEqual([])
      })

      it('neither skips nor repeats a connection when others are inserted during a walk', async () => {
        await withIntegration()
        const before = Array.from({ length: 12 }, (_, i) => `m${String(i).padStart(2, '0')}`)
        for (const id of before) await store.saveConnection(connectionInput({ id }))
        let added = 0
        const seen = await walk({ limit: 3 }, async () => {
          // Ids that sort before and after those already seen, in the same second and later.
          for (const id of [`a${added}`, `z${added}`]) await store.saveConnection(connectionInput({ id }))
          added += 1
        })
        expect(new Set(seen).size).toBe(seen.length)
        for (const id of before) expect(seen).toContain(id)
      })

      it('refuses a cursor it did not make, and a page size out of range', async () => {
        await withIntegration()
        await store.saveConnection(connectionInput())
        await expectCode(store.pageConnections({ limit: 10, cursor: 'not-a-cursor' }), 'bad_request')
        await expectCode(store.pageConnections({ limit: 10, cursor: 'c1.bm9wZQ' }), 'bad_request')
        await expect(store.pageConnections({ limit: 0 })).rejects.toThrow(TypeError)
        await expect(store.pageConnections({ limit: 1001 })).rejects.toThrow(TypeError)
      })
    })

    describe('due for refresh', () => {
      it('finds renewable connections expiring within the window, soonest first', async () => {
        await withIntegration()
        const now = Date.now()
        const at = (seconds: number) => Math.floor(now / 1000) + seconds
        await store.saveConnection(connectionInput({ id: 'late', expiresAt: at(3600), renewable: true }))
        await store.saveConnection(connectionInput({ id: 'soon', expiresAt: at(300), renewable: true }))
        await store.saveConnection(connectionInput({ id: 'expired', expiresAt: at(-60), renewable: true }))
        await store.saveConnection(connectionInput({ id: 'unknown', expiresAt: at(200) }))
        await store.saveConnection(connectionInput({ id: 'never', expiresAt: null, renewable: true }))
        await store.saveConnection(connectionInput({ id: 'stuck', expiresAt: at(100), renewable: false }))
        await store.saveConnection(
          connectionInput({ id: 'reauth', expiresAt: at(100), renewable: true, status: 'needs_reauth' }),
        )
        expect(await store.dueForRefresh(600_000, 10, now)).toEqual([
          { id: 'expired', expiresAt: at(-60) },
          { id: 'unknown', expiresAt: at(200) },
          { id: 'soon', expiresAt: at(300) },
        ])
        expect((await store.dueForRefresh(600_000, 2, now)).map((d) => d.id)).toEqual(['expired', 'unknown'])
        expect((await store.dueForRefresh(7200_000, 10, now)).map((d) => d.id)).toContain('late')
      })

      it('follows writes: a refresh moving the expiry, needs_reauth, and credentials that cannot renew', async () => {
        await withIntegration()
        const now = Date.now()
        const at = (seconds: number) => Math.floor(now / 1000) + seconds
        await store.saveConnection(connectionInput({ id: 'a', expiresAt: at(60), renewable: true }))
        await store.saveConnection(connectionInput({ id: 'b', expiresAt: at(60), renewable: true }))
        await store.saveConnection(connectionInput({ id: 'c', expiresAt: at(60), renewable: true }))
        await store.updateConnection('a', { expiresAt: at(3600) })
        await store.updateConnection('b', { status: 'needs_reauth' })
        await store.updateConnection('c', { credentials: { access_token: 'x' }, renewable: false })
        expect(await store.dueForRefresh(600_000, 10, now)).toEqual([])
        // New credentials without word on renewing are not known to be unrenewable.
        await store.updateConnection('c', { credentials: { access_token: 'y' } })
        expect((await store.dueForRefresh(600_000, 10, now)).map((d) => d.id)).toEqual(['c'])
      })
    })

    describe('the refresh scheduler\'s claims', () => {
      it('claims due connections once until the claim runs out, soonest first, and counts them', async () => {
        await withIntegration()
        const now = Date.now()
        const at = (seconds: number) => Math.floor(now / 1000) + seconds
        const hourOld = { issuedAt: at(-3600), renewable: true }
        await store.saveConnection(connectionInput({ id: 'soon', expiresAt: at(300), ...hourOld }))
        await store.saveConnection(connectionInput({ id: 'expired', expiresAt: at(-60), renewable: true }))
        await store.saveConnection(connectionInput({ id: 'late', expiresAt: at(3600), ...hourOld }))
        await store.saveConnection(connectionInput({ id: 'stuck', expiresAt: at(100), renewable: false }))
        // A five-minute token issued now is not due before half its life has passed.
        await store.saveConnection(connectionInput({ id: 'young', expiresAt: at(300), renewable: true }))
        expect(await store.countDueForRefresh(600_000, 100, now)).toBe(2)
        expect(await store.countDueForRefresh(600_000, 1, now)).toBe(1)
        expect(await store.claimDueForRefresh(600_000, 10, 60_000, now)).toEqual([
          { id: 'expired', expiresAt: at(-60) },
          { id: 'soon', expiresAt: at(300) },
        ])
        // Claimed: no one takes them again while the claim lasts; they are still due.
        expect(await store.claimDueForRefresh(600_000, 10, 60_000, now + 1000)).toEqual([])
        expect(await store.countDueForRefresh(600_000, 100, now + 1000)).toBe(2)
        expect((await store.claimDueForRefresh(600_000, 1, 60_000, now + 160_000)).map((d) => d.id)).toEqual([
          'expired',
        ])
        // Past half its life, the young token is due too.
        expect((await store.claimDueForRefresh(600_000, 10, 60_000, now + 161_000)).map((d) => d.id)).toEqual([
          'soon',
          'young',
        ])
        // A claim does not change the connection a reader sees.
        expect((await store.getConnection('soon'))?.expiresAt).toBe(at(300))
        await expect(store.claimDueForRefresh(600_000, 0, 60_000)).rejects.toThrow(TypeError)
        await expect(store.claimDueForRefresh(600_000, 1, 0)).rejects.toThrow(TypeError)
      })

      it('claims unchecked non-expiring active connections once per interval and records the check', async () => {
        await withIntegration()
        const now = Date.now()
        await store.saveConnection(connectionInput({ id: 'key-a', expiresAt: null }))
        await store.saveConnection(connectionInput({ id: 'key-b', expiresAt: null }))
        await store.saveConnection(connectionInput({ id: 'key-gone', expiresAt: null, status: 'needs_reauth' }))
        await store.saveConnection(connectionInput({ id: 'expiring', expiresAt: Math.floor(now / 1000) + 60 }))
        expect(await store.lastCheckedAt('key-a')).toBeNull()
        expect(await store.claimDueForCheck(3_600_000, 1, now)).toHaveLength(1)
        expect(await store.claimDueForCheck(3_600_000, 10, now)).toHaveLength(1)
        expect(await store.claimDueForCheck(3_600_000, 10, now)).toEqual([])
        expect(await store.lastCheckedAt('key-a')).toBe(Math.floor(now / 1000))
        expect(await store.lastCheckedAt('key-gone')).toBeNull()
        // An hour later both are due again.
        expect(await store.claimDueForCheck(3_600_000, 10, now + 3_600_000)).toEqual(['key-a', 'key-b'])
        expect(await store.lastCheckedAt('key-b')).toBe(Math.floor(now / 1000) + 3600)
      })
    })

    describe('saving many connections', () => {
      it('saves them all in one call, replacing those with the same id', async () => {
        await withIntegration()
        await store.saveConnection(connectionInput({ id: 'x', createdBy: 'first' }))
        const inputs = ['x', 'y', 'z'].map((id) =>
          connectionInput({ id, credentials: { access_token: `at-${id}` }, accountName: id }),
        )
        expect(await store.saveConnections(inputs)).toBe(3)
        expect(await store.getConnection('y')).toMatchObject({
          credentials: { access_token: 'at-y' },
          accountName: 'y',
          status: 'active',
        })
        expect(await store.getConnection('x')).toMatchObject({
          credentials: { access_token: 'at-x' },
          createdBy: 'first',
        })
        expect(await store.integrationsOfConnections(['x', 'y', 'nope'])).toEqual(
          new Map([
            ['x', 'github-prod'],
            ['y', 'github-prod'],
          ]),
        )
      })

      it('saves none when one names a missing integration or another integration\'s connection', async () => {
        await withIntegration()
        await withIntegration('google')
        await store.saveConnection(connectionInput({ id: 'g', integrationId: 'google' }))
        await expectCode(
          store.saveConnections([connectionInput({ id: 'p' }), connectionInput({ id: 'q', integrationId: 'missing' })]),
          'bad_request',
        )
        await expectCode(
          store.saveConnections([connectionInput({ id: 'p' }), connectionInput({ id: 'g' })]),
          'bad_request',
        )
        expect(await store.getConnection('p')).toBeNull()
        expect((await store.getConnection('g'))?.integrationId).toBe('google')
      })
    })

    describe('refresh lease', () => {
      beforeEach(async () => {
        await withIntegration()
        await store.saveConnection(connectionInput())
      })

      it('lets one holder at a time take the lease until it is released', async () => {
        expect(await store.acquireRefreshLease('conn-1', 'a', 60_000)).toBe(true)
        expect(await store.acquireRefreshLease('conn-1', 'b', 60_000)).toBe(false)
        await store.releaseRefreshLease('conn-1', 'a')
        expect(await store.acquireRefreshLease('conn-1', 'b', 60_000)).toBe(true)
        expect(await store.acquireRefreshLease('conn-1', 'a', 60_000)).toBe(false)
      })

      it('hands the lease to another holder once it expires', async () => {
        expect(await store.acquireRefreshLease('conn-1', 'a', 40)).toBe(true)
        expect(await store.acquireRefreshLease('conn-1', 'b', 60_000)).toBe(false)
        await sleep(80)
        expect(await store.acquireRefreshLease('conn-1', 'b', 60_000)).toBe(true)
        expect(await store.acquireRefreshLease('conn-1', 'a', 60_000)).toBe(false)
      })

      it('lets the holder take its own lease again to extend it', async () => {
        expect(await store.acquireRefreshLease('conn-1', 'a', 40)).toBe(true)
        expect(await store.acquireRefreshLease('conn-1', 'a', 60_000)).toBe(true)
        await sleep(80)
        expect(await store.acquireRefreshLease('conn-1', 'b', 60_000)).toBe(false)
      })

      it('ignores a release by someone who does not hold the lease', async () => {
        expect(await store.acquireRefreshLease('conn-1', 'a', 60_000)).toBe(true)
        await store.releaseRefreshLease('conn-1', 'b')
        expect(await store.acquireRefreshLease('conn-1', 'b', 60_000)).toBe(false)
      })

      it('refuses a lease on an unknown connection', async () => {
        expect(await store.acquireRefreshLease('nope', 'a', 60_000)).toBe(false)
        await expect(store.releaseRefreshLease('nope', 'a')).resolves.toBeUndefined()
      })

      it('keeps leases of different connections apart', async () => {
        await store.saveConnection(connectionInput({ id: 'conn-2' }))
        expect(await store.acquireRefreshLease('conn-1', 'a', 60_000)).toBe(true)
        expect(await store.acquireRefreshLease('conn-2', 'b', 60_000)).toBe(true)
      })

      it('runs the lease on the caller\'s clock when one is given', async () => {
        const t = 1_000_000
        expect(await store.acquireRefreshLease('conn-1', 'a', 1_000, t)).toBe(true)
        expect(await store.acquireRefreshLease('conn-1', 'b', 1_000, t + 999)).toBe(false)
        expect(await store.acquireRefreshLease('conn-1', 'b', 1_000, t + 1_000)).toBe(true)
      })

      it('settles a refresh only for the holder of the lease and of the recorded attempt', async () => {
        const t = 1_000_000
        const attempt = { id: 'att-1', startedAt: t, tokenDigest: 'd1' }
        expect(await store.recordRefreshAttempt('conn-1', 'a', attempt)).toBe(false)
        expect(await store.acquireRefreshLease('conn-1', 'a', 1_000, t)).toBe(true)
        expect(await store.recordRefreshAttempt('conn-1', 'a', attempt)).toBe(true)
        expect((await store.getConnection('conn-1'))?.refreshAttempt).toEqual(attempt)
        expect(await store.listRefreshAttempts()).toEqual([
          { connectionId: 'conn-1', ...attempt, leaseHolder: 'a', leaseUntil: t + 1_000 },
        ])

        // The lease runs out and b takes it: a's late answer must not overwrite b's.
        expect(await store.acquireRefreshLease('conn-1', 'b', 1_000, t + 2_000)).toBe(true)
        const late = await store.settleRefresh(
          'conn-1',
          { holder: 'a', attemptId: 'att-1' },
          { credentials: { access_token: 'from-a' } },
        )
        expect(late).toBeNull()
        const settled = await store.settleRefresh(
          'conn-1',
          { holder: 'b', attemptId: 'att-1' },
          { credentials: { access_token: 'from-b' }, expiresAt: 60, issuedAt: 0 },
        )
        expect(settled).toMatchObject({
          credentials: { access_token: 'from-b' },
          expiresAt: 60,
          issuedAt: 0,
          refreshAttempt: null,
        })
        expect(await store.listRefreshAttempts()).toEqual([])
      })

      it('refuses to settle an attempt that a re-authorization replaced', async () => {
        expect(await store.acquireRefreshLease('conn-1', 'a', 60_000)).toBe(true)
        const attempt = { id: 'att-1', startedAt: 1, tokenDigest: null }
        expect(await store.recordRefreshAttempt('conn-1', 'a', attempt)).toBe(true)
        await store.saveConnection(connectionInput({ credentials: { access_token: 'reauthorized' } }))
        const fence = { holder: 'a', attemptId: 'att-1' }
        expect(await store.settleRefresh('conn-1', fence, { credentials: { x: 1 } })).toBeNull()
        expect((await store.getConnection('conn-1'))?.credentials).toEqual({
          access_token: 'reauthorized',
        })
      })

      it('keeps the lease across a re-authorization of the connection', async () => {
        expect(await store.acquireRefreshLease('conn-1', 'a', 60_000)).toBe(true)
        await store.saveConnection(connectionInput({ credentials: { access_token: 'new' } }))
        await store.updateConnection('conn-1', { expiresAt: 5 })
        expect(await store.acquireRefreshLease('conn-1', 'b', 60_000)).toBe(false)
      })
    })

    describe('auth sessions', () => {
      function authSession(overrides: Partial<AuthSession> = {}): AuthSession {
        return {
          state: randomToken(),
          integrationId: 'github-prod',
          connectionId: null,
          redirect: 'https://app.example/done',
          data: { codeVerifier: randomToken(), scopes: ['a', 'b'] },
          expiresAt: nowSeconds() + 600,
          ...overrides,
        }
      }

      it('returns a session once for its state, then null', async () => {
        const session = authSession({ connectionId: 'conn-9' })
        await store.createAuthSession(session)
        expect(await store.takeAuthSession(session.state, nowSeconds())).toEqual(session)
        expect(await store.takeAuthSession(session.state, nowSeconds())).toBeNull()
      })

      it('hands a session to only one of two concurrent takers', async () => {
        const session = authSession()
        await store.createAuthSession(session)
        const results = await Promise.all([
          store.takeAuthSession(session.state, nowSeconds()),
          store.takeAuthSession(session.state, nowSeconds()),
        ])
        expect(results.filter((r) => r !== null)).toHaveLength(1)
      })

      it('refuses an expired session, and it stays gone', async () => {
        const session = authSession()
        await store.createAuthSession(session)
        expect(await store.takeAuthSession(session.state, session.expiresAt)).toBeNull()
        expect(await store.takeAuthSession(session.state, nowSeconds())).toBeNull()
      })

      it('returns null for an unknown state', async () => {
        await store.createAuthSession(authSession())
        expect(await store.takeAuthSession(randomToken(), nowSeconds())).toBeNull()
      })

      it('keeps sessions of different states apart', async () => {
        const one = authSession()
        const two = authSession({ integrationId: 'google', redirect: null })
        await store.createAuthSession(one)
        await store.createAuthSession(two)
        expect(await store.takeAuthSession(two.state, nowSeconds())).toEqual(two)
        expect(await store.takeAuthSession(one.state, nowSeconds())).toEqual(one)
      })

      it('refuses a second session with the same state', async () => {
        const session = authSession()
        await store.createAuthSession(session)
        await expectCode(store.createAuthSession(session), 'bad_request')
      })

      it('clears out expired sessions while taking another', async () => {
        const now = nowSeconds()
        const stale = authSession({ expiresAt: now - 1 })
        const live = authSession()
        await store.createAuthSession(stale)
        await store.createAuthSession(live)
        expect(await store.takeAuthSession(live.state, now)).toEqual(live)
        // Even with a clock turned back, the stale session must not come back.
        expect(await store.takeAuthSession(stale.state, now - 100)).toBeNull()
      })
    })

    describe('connect sessions', () => {
      function connectSession(overrides: Partial<ConnectSession> = {}): ConnectSession {
        return {
          token: randomToken(),
          integrationId: 'github-prod',
          connectionId: null,
          redirect: 'https://app.example/done',
          endUser: 'user-42',
          expiresAt: nowSeconds() + 600,
          ...overrides,
        }
      }

      it('reads a session back by its token without consuming it', async () => {
        const session = connectSession({ connectionId: 'conn-1' })
        await store.createConnectSession(session)
        expect(await store.getConnectSession(session.token, nowSeconds())).toEqual(session)
        expect(await store.getConnectSession(session.token, nowSeconds())).toEqual(session)
      })

      it('keeps the list of integrations a session may connect, in order', async () => {
        const session = connectSession({ integrationIds: ['github-prod', 'acme', 'zendesk'] })
        await store.createConnectSession(session)
        const read = await store.getConnectSession(session.token, nowSeconds())
        expect(read).toEqual(session)
        expect(read?.integrationIds).toEqual(['github-prod', 'acme', 'zendesk'])
      })

      it('remembers the caller that created a session', async () => {
        const session = connectSession({ createdBy: 'key:key_abc' })
        await store.createConnectSession(session)
        expect(await store.getConnectSession(session.token, nowSeconds())).toEqual(session)
      })

      it('consumes a session once', async () => {
        const session = connectSession({ redirect: null, endUser: null })
        await store.createConnectSession(session)
        expect(await store.consumeConnectSession(session.token, nowSeconds())).toBe(true)
        expect(await store.consumeConnectSession(session.token, nowSeconds())).toBe(false)
      })

      it('lets only one of two concurrent consumers win', async () => {
        const session = connectSession()
        await store.createConnectSession(session)
        const results = await Promise.all([
          store.consumeConnectSession(session.token, nowSeconds()),
          store.consumeConnectSession(session.token, nowSeconds()),
        ])
        expect(results.sort()).toEqual([false, true])
      })

      it('no longer returns a session once it is used', async () => {
        const session = connectSession()
        await store.createConnectSession(session)
        await store.consumeConnectSession(session.token, nowSeconds())
        expect(await store.getConnectSession(session.token, nowSeconds())).toBeNull()
      })

      it('refuses an expired session', async () => {
        const session = connectSession()
        await store.createConnectSession(session)
        expect(await store.getConnectSession(session.token, session.expiresAt)).toBeNull()
        expect(await store.consumeConnectSession(session.token, session.expiresAt)).toBe(false)
      })

      it('returns null or false for an unknown token', async () => {
        await store.createConnectSession(connectSession())
        expect(await store.getConnectSession(randomToken(), nowSeconds())).toBeNull()
        expect(await store.consumeConnectSession(randomToken(), nowSeconds())).toBe(false)
      })

      it('refuses a second session with the same token', async () => {
        const session = connectSession()
        await store.createConnectSession(session)
        await expectCode(store.createConnectSession(session), 'bad_request')
      })
    })

    describe('api keys', () => {
      const hash = () => randomBytes(32).toString('hex')

      it('stores a key by its hash and finds it by that hash only', async () => {
        const before = nowSeconds()
        const keyHash = hash()
        const input = { id: 'key_1', name: 'ci', keyHash, createdBy: 'env' }
        const created = await store.createApiKey(input)
        expect(created).toMatchObject({
          id: 'key_1',
          name: 'ci',
          createdBy: 'env',
          lastUsedAt: null,
          revokedAt: null,
        })
        expect(created.createdAt).toBeGreaterThanOrEqual(before)
        expect(created).not.toHaveProperty('keyHash')
        expect(await store.findApiKeyByHash(keyHash)).toEqual(created)
        expect(await store.findApiKeyByHash(hash())).toBeNull()
      })

      it('lists several keys, oldest first, without their hashes', async () => {
        await store.createApiKey({ id: 'key_a', keyHash: hash() })
        await store.createApiKey({ id: 'key_b', name: 'second', keyHash: hash() })
        const keys = await store.listApiKeys()
        expect(keys.map((key) => key.id)).toEqual(['key_a', 'key_b'])
        expect(keys[0]).toMatchObject({ name: null, createdBy: null })
        expect(JSON.stringify(keys)).not.toMatch(/[0-9a-f]{64}/)
      })

      it('records the last use of a key', async () => {
        const keyHash = hash()
        await store.createApiKey({ id: 'key_1', keyHash })
        await store.touchApiKey('key_1', 1_700_000_000)
        expect((await store.findApiKeyByHash(keyHash))?.lastUsedAt).toBe(1_700_000_000)
      })

      it('revokes a key once, keeping it listed with the first revocation time', async () => {
        const keyHash = hash()
        await store.createApiKey({ id: 'key_1', keyHash })
        expect((await store.revokeApiKey('key_1', 1_700_000_000))?.revokedAt).toBe(1_700_000_000)
        expect((await store.revokeApiKey('key_1', 1_800_000_000))?.revokedAt).toBe(1_700_000_000)
        expect((await store.findApiKeyByHash(keyHash))?.revokedAt).toBe(1_700_000_000)
        expect(await store.listApiKeys()).toHaveLength(1)
      })

      it('returns null when revoking an unknown key', async () => {
        expect(await store.revokeApiKey('key_nope', nowSeconds())).toBeNull()
      })

      it('refuses a second key with the same id', async () => {
        await store.createApiKey({ id: 'key_1', keyHash: hash() })
        await expectCode(store.createApiKey({ id: 'key_1', keyHash: hash() }), 'bad_request')
      })
    })

    describe('incoming webhook ids', () => {
      it('remembers an id per integration until it expires, then forgets it', async () => {
        const remember = (integrationId: string, now: number) =>
          store.rememberIncomingWebhook({ integrationId, webhookId: 'msg_1', expiresAt: 1_000 + 600, now })
        expect(await remember('a', 1_000)).toBe(true)
        expect(await remember('a', 1_100)).toBe(false)
        expect(await remember('b', 1_100)).toBe(true)
        // Expired ids are purged: the same id is new again after its window.
        expect(
          await store.rememberIncomingWebhook({ integrationId: 'a', webhookId: 'msg_1', expiresAt: 2_300, now: 1_700 }),
        ).toBe(true)
      })
    })

    describe('ping', () => {
      it('answers while open and fails once closed', async () => {
        await expect(store.ping()).resolves.toBeUndefined()
        await store.close()
        await expect(store.ping()).rejects.toThrow()
      })
    })

    describe('webhooks', () => {
      const delivery = (id: string, nextAttemptAt: number, endpointId = 'we_1') => ({
        id,
        endpointId,
        eventType: 'connection.created',
        payload: JSON.stringify({ type: 'connection.created', data: { id } }),
        nextAttemptAt,
      })

      it("keeps an integration's webhook secret until it is replaced or removed", async () => {
        const saved = await store.putIntegration({ id: 'logto', connectorId: 'logto', webhookSecret: 'sign-1' })
        expect(saved.webhookSecret).toBe('sign-1')
        expect((await withIntegration('github-prod')).webhookSecret).toBeNull()
        // A put that leaves the secret out keeps it: the app credentials are edited separately.
        await store.putIntegration({ id: 'logto', connectorId: 'logto', clientId: 'cid' })
        expect((await store.getIntegration('logto'))?.webhookSecret).toBe('sign-1')
        await store.putIntegration({ id: 'logto', connectorId: 'logto', webhookSecret: 'sign-2' })
        expect((await store.getIntegration('logto'))?.webhookSecret).toBe('sign-2')
        await store.putIntegration({ id: 'logto', connectorId: 'logto', webhookSecret: null })
        expect((await store.getIntegration('logto'))?.webhookSecret).toBeNull()
      })

      it('stores endpoints with their secret and event filter, oldest first', async () => {
        const first = await store.createWebhookEndpoint({
          id: 'we_1',
          url: 'https://app.example/hooks',
          secret: 'whsec_c2VjcmV0',
          events: ['connection.created'],
          createdBy: 'cli',
        })
        expect(first).toMatchObject({
          id: 'we_1',
          url: 'https://app.example/hooks',
          secret: 'whsec_c2VjcmV0',
          events: ['connection.created'],
          createdBy: 'cli',
        })
        await store.createWebhookEndpoint({ id: 'we_2', url: 'https://b.example/', secret: 'whsec_Yg==' })
        expect(await store.getWebhookEndpoint('we_1')).toEqual(first)
        const listed = await store.listWebhookEndpoints()
        expect(listed.map((e) => e.id)).toEqual(['we_1', 'we_2'])
        expect(listed[1]).toMatchObject({ events: null, createdBy: null })
        await expectCode(
          store.createWebhookEndpoint({ id: 'we_1', url: 'https://c.example/', secret: 'whsec_Yw==' }),
          'bad_request',
        )
      })

      it('deletes an endpoint once, with its pending deliveries', async () => {
        await store.createWebhookEndpoint({ id: 'we_1', url: 'https://a.example/', secret: 'whsec_YQ==' })
        await store.enqueueWebhookDeliveries([delivery('msg_1', 0), delivery('msg_2', 0, 'env')])
        expect(await store.deleteWebhookEndpoint('we_1')).toBe(true)
        expect(await store.getWebhookEndpoint('we_1')).toBeNull()
        expect(await store.deleteWebhookEndpoint('we_1')).toBe(false)
        expect((await store.listWebhookDeliveries()).map((d) => d.id)).toEqual(['msg_2'])
      })

      it('hands out only due deliveries, and each to one claimer until its lease runs out', async () => {
        const now = 1_700_000_000_000
        await store.enqueueWebhookDeliveries([
          delivery('msg_due', now - 10),
          delivery('msg_later', now + 60_000),
        ])
        const [one, two] = await Promise.all([
          store.claimWebhookDeliveries({ now, leaseMs: 30_000, limit: 10 }),
          store.claimWebhookDeliveries({ now, leaseMs: 30_000, limit: 10 }),
        ])
        const claimed = [...one!, ...two!]
        expect(claimed.map((d) => d.id)).toEqual(['msg_due'])
        expect(claimed[0]).toMatchObject({
          endpointId: 'we_1',
          eventType: 'connection.created',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now + 30_000,
          lastStatus: null,
          lastError: null,
        })
        expect(claimed[0]?.payload).toBe(delivery('msg_due', 0).payload)
        // A worker that died holding the claim: the delivery comes due again after the lease.
        const after = await store.claimWebhookDeliveries({ now: now + 30_000, leaseMs: 30_000, limit: 10 })
        expect(after.map((d) => d.id)).toEqual(['msg_due'])
      })

      it('claims at most the limit, oldest due first', async () => {
        await store.enqueueWebhookDeliveries([delivery('msg_b', 20), delivery('msg_a', 10), delivery('msg_c', 30)])
        const claimed = await store.claimWebhookDeliveries({ now: 100, leaseMs: 1000, limit: 2 })
        expect(claimed.map((d) => d.id)).toEqual(['msg_a', 'msg_b'])
      })

      it('records attempts; finished deliveries are not handed out again', async () => {
        await store.enqueueWebhookDeliveries([delivery('msg_1', 0), delivery('msg_2', 0)])
        await store.claimWebhookDeliveries({ now: 10, leaseMs: 1000, limit: 10 })
        await store.recordWebhookAttempt('msg_1', {
          status: 'pending',
          attempts: 1,
          nextAttemptAt: 50,
          lastStatus: 500,
          lastError: 'answered 500',
        })
        await store.recordWebhookAttempt('msg_2', {
          status: 'delivered',
          attempts: 1,
          nextAttemptAt: 10,
          lastStatus: 204,
          lastError: null,
        })
        expect(await store.listWebhookDeliveries({ status: 'delivered' })).toMatchObject([
          { id: 'msg_2', attempts: 1, lastStatus: 204 },
        ])
        const again = await store.claimWebhookDeliveries({ now: 60, leaseMs: 1000, limit: 10 })
        expect(again).toMatchObject([
          { id: 'msg_1', attempts: 1, lastStatus: 500, lastError: 'answered 500' },
        ])
        expect(await store.listWebhookDeliveries({ endpointId: 'nope' })).toEqual([])
        expect((await store.listWebhookDeliveries({ endpointId: 'we_1' })).length).toBe(2)
      })

      it('refuses two deliveries with the same id, queuing neither', async () => {
        const error = await store
          .enqueueWebhookDeliveries([delivery('msg_1', 0), delivery('msg_1', 0)])
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(Error)
        expect(await store.listWebhookDeliveries()).toEqual([])
      })
    })

    describe('close', () => {
      it('can be called twice', async () => {
        await store.close()
        await expect(store.close()).resolves.toBeUndefined()
      })
    })
  })
}

/** What one handle on a database writes, another handle reads at its next read. */
function runSharedStoreContract(name: string, openPair: () => Promise<[Store, Store]>): void {
  describe(`Store contract: ${name}, two handles on one database`, () => {
    let reader: Store
    let writer: Store

    beforeEach(async () => {
      ;[reader, writer] = await openPair()
      await writer.putIntegration({
        id: 'github-prod',
        connectorId: 'github',
        clientSecret: 'cs-1',
        scopes: ['repo'],
      })
      await writer.saveConnection({
        id: 'conn-1',
        integrationId: 'github-prod',
        settings: { org: 'acme' },
        credentials: { access_token: 'at-1', refresh_token: 'rt-1' },
        expiresAt: 1_000,
      })
      // The reader has read (and may keep) the first version of both before each change.
      expect((await reader.getConnection('conn-1'))?.credentials['access_token']).toBe('at-1')
      expect((await reader.getIntegration('github-prod'))?.clientSecret).toBe('cs-1')
    })

    afterEach(async () => {
      await reader.close()
      await writer.close()
    })

    it('reads credentials, status and expiry another handle updated', async () => {
      await writer.updateConnection('conn-1', {
        credentials: { access_token: 'at-2', refresh_token: 'rt-2' },
        expiresAt: 2_000,
      })
      expect(await reader.getConnection('conn-1')).toMatchObject({
        credentials: { access_token: 'at-2', refresh_token: 'rt-2' },
        expiresAt: 2_000,
      })
      await writer.updateConnection('conn-1', { status: 'needs_reauth', lastError: 'revoked' })
      expect(await reader.getConnection('conn-1')).toMatchObject({
        status: 'needs_reauth',
        lastError: 'revoked',
        credentials: { access_token: 'at-2' },
      })
    })

    it('reads a refresh another handle recorded and settled under its lease', async () => {
      expect(await writer.acquireRefreshLease('conn-1', 'w', 60_000)).toBe(true)
      const attempt = { id: 'att-1', startedAt: Date.now(), tokenDigest: null }
      expect(await writer.recordRefreshAttempt('conn-1', 'w', attempt)).toBe(true)
      expect((await reader.getConnection('conn-1'))?.refreshAttempt).toEqual(attempt)

      await writer.settleRefresh(
        'conn-1',
        { holder: 'w', attemptId: 'att-1' },
        { credentials: { access_token: 'at-3', refresh_token: 'rt-3' }, expiresAt: 3_000 },
      )
      expect(await reader.getConnection('conn-1')).toMatchObject({
        credentials: { access_token: 'at-3', refresh_token: 'rt-3' },
        expiresAt: 3_000,
        refreshAttempt: null,
      })
    })

    it('reads a connection re-authorized, deleted, and created again under its id', async () => {
      await writer.saveConnection({
        id: 'conn-1',
        integrationId: 'github-prod',
        settings: { org: 'other' },
        credentials: { access_token: 'at-reauth' },
      })
      expect(await reader.getConnection('conn-1')).toMatchObject({
        settings: { org: 'other' },
        credentials: { access_token: 'at-reauth' },
      })

      await writer.deleteConnection('conn-1')
      await writer.saveConnection({
        id: 'conn-1',
        integrationId: 'github-prod',
        settings: {},
        credentials: { access_token: 'at-new' },
      })
      expect((await reader.getConnection('conn-1'))?.credentials).toEqual({ access_token: 'at-new' })

      await writer.deleteConnection('conn-1')
      expect(await reader.getConnection('conn-1')).toBeNull()
    })

    it('reads an integration another handle changed or deleted', async () => {
      await writer.putIntegration({ id: 'github-prod', connectorId: 'github', clientSecret: 'cs-2' })
      expect((await reader.getIntegration('github-prod'))?.clientSecret).toBe('cs-2')
      await writer.putIntegration({ id: 'github-prod', connectorId: 'github', webhookSecret: 'wh-1' })
      expect(await reader.getIntegration('github-prod')).toMatchObject({
        clientSecret: null,
        webhookSecret: 'wh-1',
      })

      await writer.deleteConnection('conn-1')
      expect(await writer.deleteIntegration('github-prod')).toBe(true)
      expect(await reader.getIntegration('github-prod')).toBeNull()
    })

    it('reads the same credentials after another handle resealed them', async () => {
      await resealEverything(writer)
      expect((await reader.getConnection('conn-1'))?.credentials).toEqual({
        access_token: 'at-1',
        refresh_token: 'rt-1',
      })
      expect((await reader.getIntegration('github-prod'))?.clientSecret).toBe('cs-1')
    })

    it('gives each due connection to exactly one of two schedulers claiming at once', async () => {
      const now = Date.now()
      await writer.saveConnections(
        Array.from({ length: 60 }, (_, i) => ({
          id: `due-${String(i).padStart(2, '0')}`,
          integrationId: 'github-prod',
          settings: {},
          credentials: { access_token: `at-${i}`, refresh_token: `rt-${i}` },
          expiresAt: Math.floor(now / 1000) + 30,
          issuedAt: Math.floor(now / 1000) - 3600,
          renewable: true,
        })),
      )
      const rounds = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? reader : writer).claimDueForRefresh(600_000, 7, 60_000, now),
        ),
      )
      const claimed = rounds.flat().map((due) => due.id)
      expect(new Set(claimed).size).toBe(claimed.length)
      // conn-1 (expired long ago) is due too.
      expect(claimed.length).toBe(61)
    })

    it('hands out copies: changing what a read returned changes no later read', async () => {
      const first = await reader.getConnection('conn-1')
      first!.credentials['access_token'] = 'changed'
      first!.settings['org'] = 'changed'
      const integration = await reader.getIntegration('github-prod')
      integration!.scopes!.push('changed')
      expect(await reader.getConnection('conn-1')).toMatchObject({
        credentials: { access_token: 'at-1' },
        settings: { org: 'acme' },
      })
      expect((await reader.getIntegration('github-prod'))?.scopes).toEqual(['repo'])
    })
  })
}

function runRotationContract(
  name: string,
  newDatabase: () => Promise<(keyRing: KeyRing) => Promise<Store>>,
): void {
  describe(`Store contract: ${name}, online key rotation`, () => {
    const oldKey = { id: 'old', key: randomBytes(32) }
    const newKey = { id: 'new', key: randomBytes(32) }
    const oldRing = createKeyRing([oldKey])
    const rotatingRing = createKeyRing([newKey, oldKey])
    const newRing = createKeyRing([newKey])
    const oldId = keyFingerprint(oldKey.key)
    const newId = keyFingerprint(newKey.key)
    let openWith: (keyRing: KeyRing) => Promise<Store>
    let opened: Store[]

    async function handle(keyRing: KeyRing): Promise<Store> {
      const store = await openWith(keyRing)
      opened.push(store)
      return store
    }

    beforeEach(async () => {
      opened = []
      openWith = await newDatabase()
    })

    afterEach(async () => {
      await Promise.all(opened.map((store) => store.close()))
    })

    /** One value in every sealed column, three connections: 7 values sealed by `store`'s key. */
    async function writeEverySecret(store: Store) {
      await store.putIntegration({
        id: 'github-prod',
        connectorId: 'github',
        clientSecret: 'cs-1',
        webhookSecret: 'wh-1',
      })
      for (const n of [1, 2, 3]) {
        await store.saveConnection({
          id: `conn-${n}`,
          integrationId: 'github-prod',
          settings: {},
          credentials: { access_token: `at-${n}`, refresh_token: `rt-${n}` },
        })
      }
      await store.createAuthSession({
        state: 'state-1',
        integrationId: 'github-prod',
        connectionId: null,
        redirect: null,
        data: { codeVerifier: 'cv-1' },
        expiresAt: nowSeconds() + 600,
      })
      await store.createWebhookEndpoint({ id: 'we_1', url: 'https://app.example/h', secret: 'whsec_1' })
    }

    const byKeyId = (a: { keyId: string }, b: { keyId: string }) => (a.keyId < b.keyId ? -1 : 1)

    /** The counts by key id, in one order whatever the database's collation. */
    async function usesOf(store: Store) {
      return (await store.sealingKeys()).uses.sort(byKeyId)
    }

    async function expectEverySecret(store: Store, accessTokens = ['at-1', 'at-2', 'at-3']) {
      expect(await store.getIntegration('github-prod')).toMatchObject({
        clientSecret: 'cs-1',
        webhookSecret: 'wh-1',
      })
      for (const [index, token] of accessTokens.entries()) {
        expect((await store.getConnection(`conn-${index + 1}`))?.credentials['access_token']).toBe(token)
      }
      expect((await store.listWebhookEndpoints())[0]?.secret).toBe('whsec_1')
      expect((await store.takeAuthSession('state-1', nowSeconds()))?.data).toEqual({ codeVerifier: 'cv-1' })
    }

    it('counts the values each key seals, with the ring and its labels', async () => {
      await writeEverySecret(await handle(oldRing))
      expect(await (await handle(rotatingRing)).sealingKeys()).toEqual({
        primaryKeyId: newId,
        ring: [
          { keyId: newId, label: 'new' },
          { keyId: oldId, label: 'old' },
        ],
        uses: [{ keyId: oldId, format: 'pb2', values: 7 }],
      })
    })

    it('reseals every value with the primary key in batches, so the old key can leave the ring', async () => {
      await writeEverySecret(await handle(oldRing))
      // A server that has read (and may cache) the values before they are resealed.
      const server = await handle(rotatingRing)
      expect((await server.getConnection('conn-1'))?.credentials['access_token']).toBe('at-1')
      expect((await server.getIntegration('github-prod'))?.clientSecret).toBe('cs-1')
      const rotating = await handle(rotatingRing)
      const totals = await resealEverything(rotating, 2)
      expect(totals).toEqual({ batches: 4, resealed: 7, retried: 0, unreadable: [] })
      expect(await usesOf(rotating)).toEqual([{ keyId: newId, format: 'pb2', values: 7 }])
      expect(await rotating.readResealBatch(null, 100)).toEqual({ items: [], unreadable: [], next: null })
      expect((await server.getConnection('conn-1'))?.credentials['access_token']).toBe('at-1')
      await expectEverySecret(await handle(newRing))
    })

    it('hands out batches that name places and carry no plaintext', async () => {
      await writeEverySecret(await handle(oldRing))
      const batch = await (await handle(rotatingRing)).readResealBatch(null, 3)
      expect(batch.items.map((item) => item.place)).toEqual([
        'integrations:github-prod:client_secret_sealed',
        'integrations:github-prod:webhook_secret_sealed',
        'connections:conn-1:credentials_sealed',
      ])
      expect(batch.next).not.toBeNull()
      const text = JSON.stringify(batch)
      for (const secret of ['cs-1', 'wh-1', 'at-1', 'rt-1']) expect(text).not.toContain(secret)
      for (const item of batch.items) {
        expect(item.sealed.startsWith(`pb2.${oldId}.`)).toBe(true)
        expect(item.resealed.startsWith(`pb2.${newId}.`)).toBe(true)
      }
    })

    it('leaves every value readable when stopped after a batch, and the next run finishes', async () => {
      await writeEverySecret(await handle(oldRing))
      const rotating = await handle(rotatingRing)
      const first = await rotating.readResealBatch(null, 3)
      expect((await rotating.writeResealBatch(first.items)).resealed).toBe(3)
      // Stopped here, as a killed rotation would be: both keys seal some values.
      expect(await usesOf(rotating)).toEqual(
        [
          { keyId: newId, format: 'pb2', values: 3 },
          { keyId: oldId, format: 'pb2', values: 4 },
        ].sort(byKeyId),
      )
      const restarted = await handle(rotatingRing)
      expect(await resealEverything(restarted, 3)).toMatchObject({ resealed: 4, unreadable: [] })
      await expectEverySecret(await handle(newRing))
    })

    it('never overwrites a write made between a batch read and its write', async () => {
      await writeEverySecret(await handle(oldRing))
      const rotating = await handle(rotatingRing)
      // An instance still sealing with the old key, and one already sealing with the new one.
      const oldServer = await handle(oldRing)
      const newServer = await handle(rotatingRing)
      const batch = await rotating.readResealBatch(null, 100)
      expect(batch.items).toHaveLength(7)

      await newServer.updateConnection('conn-1', { credentials: { access_token: 'at-1b', refresh_token: 'rt-1b' } })
      await oldServer.updateConnection('conn-2', { credentials: { access_token: 'at-2b', refresh_token: 'rt-2b' } })
      await oldServer.deleteConnection('conn-3')

      const written = await rotating.writeResealBatch(batch.items)
      expect(written).toEqual({ resealed: 5, retried: 3, unreadable: [] })
      expect(await usesOf(rotating)).toEqual([{ keyId: newId, format: 'pb2', values: 6 }])
      const after = await handle(newRing)
      expect((await after.getConnection('conn-1'))?.credentials).toEqual({ access_token: 'at-1b', refresh_token: 'rt-1b' })
      expect((await after.getConnection('conn-2'))?.credentials).toEqual({ access_token: 'at-2b', refresh_token: 'rt-2b' })
      expect(await after.getConnection('conn-3')).toBeNull()
      expect((await after.getIntegration('github-prod'))?.clientSecret).toBe('cs-1')
    })

    it('refuses a batch limit below 1', async () => {
      const rotating = await handle(rotatingRing)
      await expect(rotating.readResealBatch(null, 0)).rejects.toThrow(TypeError)
    })
  })
}
