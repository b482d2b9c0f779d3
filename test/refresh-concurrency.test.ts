import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isPatchbayError } from '../src/errors.js'
import { createSandboxConnector } from '../src/connectors/index.js'
import { createPatchbay } from '../src/runtime/index.js'
import { openSqliteStore } from '../src/store/index.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

async function expire(h: Harness, id: string) {
  await h.store.updateConnection(id, { expiresAt: Math.floor(Date.now() / 1000) - 10 })
  h.sandbox.expireAccessTokens()
}

describe('refresh: one at a time, never lost', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => h.close())

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
    const me = await h.patchbay.connection(id).fetch('/me')
    expect(me.status).toBe(200)
  })

  it('saves the rotated refresh token before handing out the new access token', async () => {
    const id = await connectViaBrowser(h)
    const before = await h.patchbay.getCredentials(id)
    await expire(h, id)
    const fresh = await h.patchbay.getCredentials(id)
    const stored = await h.store.getConnection(id)
    expect(stored?.credentials['refreshToken']).toBe(fresh['refreshToken'])
    expect(fresh['refreshToken']).not.toBe(before['refreshToken'])
  })

  it('shares one refresh between two runtimes on the same SQLite file', async () => {
    const id = await connectViaBrowser(h)
    await expire(h, id)
    h.sandbox.resetStats()
    // A second process's view: its own store handle and runtime over the same file and key.
    const others = await Promise.all(
      [0, 1].map(async () =>
        createPatchbay({
          store: openSqliteStore({ path: h.dbPath, keyRing: h.keyRing }),
          connectors: [createSandboxConnector({ url: h.sandbox.url })],
          publicUrl: h.server.url,
        }),
      ),
    )
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => h.patchbay.getCredentials(id)),
      ...others.flatMap((other) => Array.from({ length: 20 }, () => other.getCredentials(id))),
    ])
    expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(1)
    expect(new Set(results.map((credentials) => credentials['accessToken'])).size).toBe(1)
    await Promise.all(others.map((other) => other.close()))
  })

  it('marks the connection needs_reauth on invalid_grant and keeps it', async () => {
    const id = await connectViaBrowser(h)
    await expire(h, id)
    h.sandbox.revokeRefreshTokens()
    const failure = await h.patchbay.getCredentials(id).catch((error: unknown) => error)
    expect(isPatchbayError(failure, 'needs_reauth')).toBe(true)
    const stored = await h.api('GET', `/connections/${id}`)
    expect(stored.status).toBe(200)
    expect(stored.body.status).toBe('needs_reauth')
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'connection.needs_reauth', connectionId: id }))
    const api = await h.api('GET', `/connections/${id}/credentials`)
    expect(api.body.error.code).toBe('needs_reauth')
  })

  it('refreshes once and retries once when the provider answers 401', async () => {
    const id = await connectViaBrowser(h)
    h.sandbox.expireAccessTokens()
    h.sandbox.resetStats()
    const response = await h.patchbay.connection(id).fetch('/me')
    expect(response.status).toBe(200)
    expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(1)
  })
})
