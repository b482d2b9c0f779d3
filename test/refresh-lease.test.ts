import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSandboxConnector } from '../src/connectors/index.js'
import { isPatchbayError } from '../src/errors.js'
import { createPatchbay } from '../src/runtime/index.js'
import type { Patchbay, PatchbayOptions } from '../src/runtime/index.js'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox, SandboxOptions } from '../src/sandbox/index.js'
import { createKeyRing, openPostgresStore, openSqliteStore } from '../src/store/index.js'
import type { KeyRing, Store } from '../src/store/index.js'
import {
  closeAdminPool,
  dropSchema,
  freshSchemaName,
  postgresReachable,
  schemaUrl,
} from './helpers/postgres.js'

// Issue 8 item 7 (the refresh lease) and the in-process half of item 8 (an interrupted refresh).
// Each runtime here runs on a clock the test moves (epoch seconds): no test waits for a lease.
// Every test runs on SQLite (a shared file) and on PostgreSQL (a shared schema): the lease, its
// deadline, the fenced write and the cooldown are the store's contract, not one store's.

type StoreKind = 'sqlite' | 'postgres'
const postgresUp = await postgresReachable()
afterAll(closeAdminPool)

interface Rig {
  sandbox: Sandbox
  /** The PostgreSQL schema, dropped after the test; null on SQLite. */
  schema: string | null
  keyRing: KeyRing
  stores: Store[]
  runtimes: Patchbay[]
  /** A runtime over its own store handle on the shared database, as another process would have. */
  runtime(options?: Partial<PatchbayOptions>): Promise<{ patchbay: Patchbay; store: Store }>
  /** A stored connection holding a fresh sandbox refresh token, its access token long expired. */
  connection(store: Store, id: string, now: number): Promise<string>
}

let rig: Rig
let dir: string

async function startRig(kind: StoreKind, sandboxOptions: SandboxOptions = {}): Promise<Rig> {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-lease-'))
  const sandbox = await startSandbox(sandboxOptions)
  const keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
  const dbPath = join(dir, 'patchbay.db')
  const schema = kind === 'postgres' ? freshSchemaName() : null
  const stores: Store[] = []
  const runtimes: Patchbay[] = []
  const client = sandbox.defaultClient
  const open = async () => {
    const store =
      schema === null
        ? openSqliteStore({ path: dbPath, keyRing })
        : await openPostgresStore({ url: schemaUrl(schema), keyRing })
    stores.push(store)
    return store
  }
  await (await open()).putIntegration({
    id: 'sandbox',
    connectorId: 'sandbox',
    clientId: client.clientId,
    clientSecret: client.clientSecret,
  })
  return {
    sandbox,
    schema,
    keyRing,
    stores,
    runtimes,
    async runtime(options = {}) {
      const store = await open()
      const patchbay = await createPatchbay({
        store,
        connectors: [createSandboxConnector({ url: sandbox.url })],
        ...options,
      })
      runtimes.push(patchbay)
      return { patchbay, store }
    },
    async connection(store, id, now) {
      const refreshToken = sandbox.issueRefreshToken(client.clientId, 'profile')
      await store.saveConnection({
        id,
        integrationId: 'sandbox',
        settings: {},
        credentials: { accessToken: 'expired', tokenType: 'Bearer', refreshToken },
        expiresAt: now - 10,
        issuedAt: now - 3610,
      })
      return refreshToken
    },
  }
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a failure'),
    (error: unknown) => error,
  )
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5)
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.runIf(kind === 'sqlite' || postgresUp)(kind, () => {
    beforeEach(async () => {
      rig = await startRig(kind)
    })

    afterEach(async () => {
      for (const patchbay of rig.runtimes) await patchbay.close()
      for (const store of rig.stores) await store.close()
      await rig.sandbox.close()
      rmSync(dir, { recursive: true, force: true })
      if (rig.schema !== null) await dropSchema(rig.schema)
    })

    describe('the refresh lease (issue 8 item 7)', () => {
      it('gives up on a token request the provider does not answer within the lease, as timeout', async () => {
        let now = 1_800_000_000
        const { patchbay, store } = await rig.runtime({
          now: () => now,
          refresh: { leaseMs: 600, refreshTimeoutMs: 300 },
        })
        const refreshToken = await rig.connection(store, 'c1', now)
        rig.sandbox.setConfig({ tokenDelayMs: 60_000 })

        const failure = await failureOf(patchbay.getCredentials('c1'))

        expect(isPatchbayError(failure, 'timeout'), String(failure)).toBe(true)
        expect(String(failure)).not.toContain(refreshToken)
        const stored = await store.getConnection('c1')
        expect(stored?.status).toBe('active')
        expect(stored?.credentials['refreshToken']).toBe(refreshToken)
        // The answer may still have rotated the token: the attempt stays recorded for a retry.
        expect(stored?.refreshAttempt).not.toBeNull()
        // The lease was released, so another process could try at once (its clock has not moved).
        expect(await store.acquireRefreshLease('c1', 'someone-else', 600, now * 1000)).toBe(true)
      })

      it('does not let a holder whose lease was taken over overwrite the newer token', async () => {
        rig.sandbox.setConfig({ refreshTokenReuseSeconds: 60 })
        const start = 1_800_000_000
        const first = await rig.runtime({ now: () => start })
        // The second process's clock is past the first one's lease (15 s by default).
        const second = await rig.runtime({ now: () => start + 20 })
        await rig.connection(first.store, 'c1', start)

        rig.sandbox.setConfig({ tokenDelayMs: 400 })
        const slow = first.patchbay.getCredentials('c1')
        await until(() => rig.sandbox.stats().tokenRequests.refresh_token === 1)
        rig.sandbox.setConfig({ tokenDelayMs: 0 })
        const fast = await second.patchbay.getCredentials('c1')
        const late = await slow

        const stored = await first.store.getConnection('c1')
        expect(stored?.credentials['accessToken']).toBe(fast['accessToken'])
        // The late holder hands out what the store holds, not the token it was answered.
        expect(late['accessToken']).toBe(fast['accessToken'])
        expect(rig.sandbox.rotations()).toHaveLength(2)
      })

      it('refreshes 60 s tokens at half their lifetime, not on every call, with the default margin', async () => {
        rig.sandbox.setConfig({ accessTokenTtl: 60 })
        let now = 1_800_000_000
        const { patchbay, store } = await rig.runtime({ now: () => now })
        await rig.connection(store, 'c1', now)
        const refreshes = () => rig.sandbox.stats().tokenRequests.refresh_token

        const issued = await patchbay.getCredentials('c1')
        expect(refreshes()).toBe(1)
        for (const later of [1, 10, 29]) {
          now = 1_800_000_000 + later
          expect(await patchbay.getCredentials('c1')).toEqual(issued)
        }
        expect(refreshes()).toBe(1)

        now = 1_800_000_000 + 30
        const renewed = await patchbay.getCredentials('c1')
        expect(refreshes()).toBe(2)
        expect(renewed['accessToken']).not.toBe(issued['accessToken'])
        expect((await store.getConnection('c1'))?.issuedAt).toBe(now)
      })

      it('answers callers at once during the cooldown after a failure, and backs off exponentially', async () => {
        let now = 1_800_000_000
        const { patchbay, store } = await rig.runtime({
          now: () => now,
          refresh: { cooldown: { baseMs: 10_000, maxMs: 60_000 } },
        })
        await rig.connection(store, 'c1', now)
        const refreshes = () => rig.sandbox.stats().tokenRequests.refresh_token
        const unavailable = { status: 503, body: { error: 'temporarily_down' } }

        const fail = async () => {
          rig.sandbox.setConfig({ failNextToken: unavailable })
          return failureOf(patchbay.getCredentials('c1'))
        }
        const first = await fail()
        expect(isPatchbayError(first, 'provider_error'), String(first)).toBe(true)
        expect(refreshes()).toBe(1)

        // Within 10 s: the same error, and the provider hears nothing.
        for (const later of [0, 5, 9]) {
          now = 1_800_000_000 + later
          expect(await failureOf(patchbay.getCredentials('c1'))).toBe(first)
        }
        expect(refreshes()).toBe(1)

        now = 1_800_000_000 + 10
        await fail()
        expect(refreshes()).toBe(2)
        // The second failure doubles the pause: 20 s from now.
        now += 19
        expect(isPatchbayError(await failureOf(patchbay.getCredentials('c1')), 'provider_error')).toBe(true)
        expect(refreshes()).toBe(2)
        now += 1
        rig.sandbox.setConfig({ failNextToken: null })
        const recovered = await patchbay.getCredentials('c1')
        expect(refreshes()).toBe(3)
        expect(recovered['accessToken']).not.toBe('expired')
        // The success ends the cooldown: a forced refresh goes straight to the provider.
        await patchbay.connections.refresh('c1')
        expect(refreshes()).toBe(4)
      })

      it('leaves a connection active after a 5xx or a timeout, and marks needs_reauth on invalid_grant only', async () => {
        const now = 1_800_000_000
        const { patchbay, store } = await rig.runtime({
          now: () => now,
          refresh: { leaseMs: 600, refreshTimeoutMs: 300, cooldown: { baseMs: 1, maxMs: 1 } },
        })
        await rig.connection(store, 'c1', now)
        let moment = 0
        const later = await rig.runtime({
          now: () => now + ++moment,
          refresh: { leaseMs: 600, refreshTimeoutMs: 300, cooldown: { baseMs: 1, maxMs: 1 } },
        })

        rig.sandbox.setConfig({ failNextToken: { status: 500, body: 'boom' } })
        expect(isPatchbayError(await failureOf(patchbay.getCredentials('c1')), 'provider_error')).toBe(true)
        expect((await store.getConnection('c1'))?.status).toBe('active')

        rig.sandbox.setConfig({ tokenDelayMs: 60_000 })
        expect(isPatchbayError(await failureOf(later.patchbay.getCredentials('c1')), 'timeout')).toBe(true)
        expect((await store.getConnection('c1'))?.status).toBe('active')

        rig.sandbox.setConfig({ tokenDelayMs: 0 })
        rig.sandbox.revokeRefreshTokens()
        const refused = await failureOf(later.patchbay.getCredentials('c1'))
        expect(isPatchbayError(refused, 'needs_reauth'), String(refused)).toBe(true)
        const stored = await store.getConnection('c1')
        expect(stored?.status).toBe('needs_reauth')
        // The earlier timeout left its attempt unsettled, so the reason says what happened.
        expect(stored?.lastError).toContain('interrupted')
      })
    })

    describe('an interrupted refresh (issue 8 item 8)', () => {
      /**
       * What a process killed mid-refresh leaves behind: it took the lease, recorded its attempt and
       * sent the refresh token, which the provider rotated; the answer never got stored.
       */
      async function interruptedRefresh(store: Store): Promise<{ previous: string; successor: string }> {
        const now = Math.floor(Date.now() / 1000)
        const previous = await rig.connection(store, 'c1', now)
        expect(await store.acquireRefreshLease('c1', 'dead-process', 1_000, Date.now() - 5_000)).toBe(true)
        const attempt = { id: 'att-dead', startedAt: Date.now() - 5_000, tokenDigest: null }
        expect(await store.recordRefreshAttempt('c1', 'dead-process', attempt)).toBe(true)
        const client = rig.sandbox.defaultClient
        const answer = await fetch(`${rig.sandbox.url}/oauth/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: previous }),
        })
        const body = (await answer.json()) as { refresh_token: string }
        return { previous, successor: body.refresh_token }
      }

      it('is retried at start-up with the previous refresh token, which a provider with a reuse interval accepts', async () => {
        rig.sandbox.setConfig({ refreshTokenReuseSeconds: 60 })
        const seed = rig.stores[0]!
        const { successor } = await interruptedRefresh(seed)

        const { patchbay, store } = await rig.runtime()
        const report = await patchbay.recoveredRefreshes()

        expect(report).toEqual({ recovered: ['c1'], needsReauth: [], failed: [] })
        const stored = await store.getConnection('c1')
        expect(stored).toMatchObject({ status: 'active', refreshAttempt: null })
        expect(stored?.credentials['refreshToken']).toBe(successor)
        expect(rig.sandbox.rotations().map((rotation) => rotation.reuse)).toEqual([false, true])
        expect((await patchbay.connection('c1').fetch('/me')).status).toBe(200)
      })

      it('ends in needs_reauth, saying why, when the provider rotates without a reuse interval', async () => {
        const seed = rig.stores[0]!
        await interruptedRefresh(seed)

        const { patchbay, store } = await rig.runtime()
        const report = await patchbay.recoveredRefreshes()

        expect(report).toEqual({ recovered: [], needsReauth: ['c1'], failed: [] })
        const stored = await store.getConnection('c1')
        expect(stored?.status).toBe('needs_reauth')
        expect(stored?.lastError).toMatch(/interrupted before its answer was stored/)
      })
    })
  })
}
