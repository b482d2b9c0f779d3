import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectionEventInput, Store } from './types.js'

function event(overrides: Partial<ConnectionEventInput> = {}): ConnectionEventInput {
  return {
    connectionId: 'conn-1',
    integrationId: 'github-prod',
    type: 'connection.refreshed',
    reason: null,
    createdAt: 1_800_000_000,
    ...overrides,
  }
}

/**
 * The event log and operator sessions part of the store contract (issue 13); run by
 * `runStoreContract` for every implementation.
 */
export function runEventStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}, connection events and operator sessions`, () => {
    let store: Store

    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('pages a connection’s events newest first, and only its own', async () => {
      const written = []
      for (let i = 0; i < 5; i += 1) {
        written.push(await store.recordConnectionEvent(event({ createdAt: 1_800_000_000 + i }), 100))
      }
      await store.recordConnectionEvent(event({ connectionId: 'conn-2' }), 100)
      const first = await store.pageConnectionEvents('conn-1', { limit: 2 })
      expect(first.events.map((e) => e.id)).toEqual([written[4]!.id, written[3]!.id])
      expect(first.nextCursor).toBe(written[3]!.id)
      const second = await store.pageConnectionEvents('conn-1', { limit: 2, before: first.nextCursor! })
      expect(second.events.map((e) => e.id)).toEqual([written[2]!.id, written[1]!.id])
      const last = await store.pageConnectionEvents('conn-1', { limit: 2, before: second.nextCursor! })
      expect(last.events).toEqual([written[0]])
      expect(last.nextCursor).toBeNull()
      expect(written[0]).toEqual({ ...event(), id: written[0]!.id })
    })

    it('keeps at most the given number of events per connection, dropping the oldest', async () => {
      for (let i = 0; i < 6; i += 1) {
        await store.recordConnectionEvent(event({ reason: `r${i}`, type: 'refresh.failed' }), 3)
      }
      await store.recordConnectionEvent(event({ connectionId: 'conn-2' }), 3)
      const page = await store.pageConnectionEvents('conn-1', { limit: 10 })
      expect(page.events.map((e) => e.reason)).toEqual(['r5', 'r4', 'r3'])
      expect((await store.pageConnectionEvents('conn-2', { limit: 10 })).events).toHaveLength(1)
    })

    it('prunes events older than a time, and counts the rest per bucket and type', async () => {
      const hour = 3600
      const base = 1_800_000_000 - (1_800_000_000 % hour)
      await store.recordConnectionEvent(event({ createdAt: base - 10 }), 100)
      await store.recordConnectionEvent(event({ createdAt: base + 1 }), 100)
      await store.recordConnectionEvent(event({ createdAt: base + 2, type: 'refresh.failed' }), 100)
      await store.recordConnectionEvent(event({ createdAt: base + hour + 5, connectionId: 'conn-2' }), 100)
      expect(await store.countConnectionEvents(base, hour)).toEqual([
        { bucketStart: base, type: 'connection.refreshed', count: 1 },
        { bucketStart: base, type: 'refresh.failed', count: 1 },
        { bucketStart: base + hour, type: 'connection.refreshed', count: 1 },
      ])
      expect(await store.pruneConnectionEvents(base)).toBe(1)
      const left = await store.pageConnectionEvents('conn-1', { limit: 10 })
      expect(left.events.map((e) => e.createdAt)).toEqual([base + 2, base + 1])
    })

    it('counts connections per integration and status', async () => {
      await store.putIntegration({ id: 'a', connectorId: 'github' })
      await store.putIntegration({ id: 'b', connectorId: 'github' })
      for (const [id, integrationId] of [['c1', 'a'], ['c2', 'a'], ['c3', 'b']] as const) {
        await store.saveConnection({ id, integrationId, settings: {}, credentials: { access_token: id } })
      }
      await store.updateConnection('c2', { status: 'needs_reauth' })
      expect(await store.countConnections()).toEqual([
        { integrationId: 'a', status: 'active', count: 1 },
        { integrationId: 'a', status: 'needs_reauth', count: 1 },
        { integrationId: 'b', status: 'active', count: 1 },
      ])
    })

    it('finds an operator session until it expires, and forgets it on sign-out', async () => {
      const session = { tokenHash: 'a'.repeat(64), callerId: 'key:key_1', createdAt: 100, expiresAt: 200 }
      await store.createOperatorSession(session)
      expect(await store.findOperatorSession(session.tokenHash, 150)).toEqual(session)
      expect(await store.findOperatorSession('b'.repeat(64), 150)).toBeNull()
      expect(await store.findOperatorSession(session.tokenHash, 200)).toBeNull()
      const other = { ...session, tokenHash: 'c'.repeat(64), expiresAt: 1_000 }
      await store.createOperatorSession(other)
      expect(await store.deleteOperatorSession(other.tokenHash)).toBe(true)
      expect(await store.deleteOperatorSession(other.tokenHash)).toBe(false)
      expect(await store.findOperatorSession(other.tokenHash, 150)).toBeNull()
    })
  })
}
