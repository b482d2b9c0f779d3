import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPatchbay } from '../src/runtime/index.js'
import { createServerApp } from '../src/server/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'
import { consent, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import { leakedSecrets, storedSecrets } from './helpers/log-secrets.js'

describe('request logs over a whole connect, refresh and failure run', () => {
  let h: Harness
  const responseIds: string[] = []
  const flowSecrets: string[] = []

  async function call(method: string, path: string, body?: unknown, bearer?: string) {
    const response = await fetch(`${h.server.url}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${bearer ?? h.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    responseIds.push(response.headers.get('x-request-id') as string)
    const text = await response.text()
    return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text }
  }

  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => h?.close())

  it('logs every request with its id and none of the secrets the run handled', async () => {
    // Connect through the browser flow, keeping every bearer value the flow carried.
    const session = await call('POST', '/connect/sessions', { integration: 'sandbox' })
    flowSecrets.push(session.body.token)
    const { authorizeUrl, callbackUrl, cookie } = await consent(session.body.url)
    flowSecrets.push(authorizeUrl.searchParams.get('state') as string)
    flowSecrets.push(new URL(callbackUrl).searchParams.get('code') as string)
    flowSecrets.push(cookie.split('=')[1] as string) // the flow's browser binding
    const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    responseIds.push(landing.headers.get('x-request-id') as string)
    const id = /<code>(conn_[^<]+)<\/code>/.exec(await landing.text())?.[1] as string
    expect(landing.status).toBe(200)

    // Read the credentials, refresh on demand and after a 401, call a capability.
    const credentials = await call('GET', `/connections/${id}/credentials`)
    expect(credentials.status).toBe(200)
    expect((await call('POST', `/connections/${id}/refresh`)).status).toBe(200)
    h.sandbox.expireAccessTokens()
    expect(
      (await call('POST', `/connections/${id}/capabilities/get_user_info`, { request: {} })).status,
    ).toBe(200)

    // Failures: a wrong key, a replayed callback, an unknown connection, a bad body, a refused
    // refresh, and a bogus callback carrying a code in its query string.
    expect(
      (await call('GET', '/connections', undefined, `wrong-${randomBytes(12).toString('hex')}`))
        .status,
    ).toBe(401)
    const replay = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    responseIds.push(replay.headers.get('x-request-id') as string)
    expect(replay.status).toBe(400)
    expect((await call('GET', '/connections/conn_missing')).status).toBe(404)
    expect((await call('POST', '/connections', { integration: 5 })).status).toBe(400)
    h.sandbox.setConfig({ failNextToken: { status: 400, body: { error: 'invalid_grant' } } })
    expect((await call('POST', `/connections/${id}/refresh`)).status).toBe(409)
    const bogusCode = `code-${randomBytes(16).toString('hex')}`
    flowSecrets.push(bogusCode)
    expect((await call('GET', `/auth/sandbox/callback?state=nope&code=${bogusCode}`)).status).toBe(
      400,
    )

    const entries = h.logs.map((line) => JSON.parse(line))
    expect(entries.length).toBeGreaterThan(10)
    for (const entry of entries) expect(entry.request_id, JSON.stringify(entry)).toMatch(/\S/)
    const requests = entries.filter((entry) => entry.msg === 'request')
    expect(requests.length).toBe(responseIds.length + 1) // the consent helper's start request
    for (const responseId of responseIds) {
      expect(requests.some((entry) => entry.request_id === responseId)).toBe(true)
    }
    expect(requests.map((entry) => entry.status)).toEqual(
      expect.arrayContaining([200, 201, 302, 400, 401, 404, 409]),
    )
    expect(requests.find((entry) => entry.status === 409)).toMatchObject({
      method: 'POST',
      path: `/connections/${id}/refresh`,
      caller: 'env',
      error_code: 'needs_reauth',
    })
    for (const entry of requests) {
      expect(entry.path).not.toContain('?')
      expect(typeof entry.duration_ms).toBe('number')
    }

    const secrets = [
      h.apiKey,
      ...h.sandbox.issuedSecrets(),
      ...(await storedSecrets(h.patchbay, h.store)),
      ...flowSecrets,
      ...Object.values(credentials.body.credentials as Record<string, unknown>).filter(
        (value): value is string => typeof value === 'string' && value.length >= 8,
      ),
    ]
    // The check is only worth something if the run really handled these secrets.
    expect(h.sandbox.issuedSecrets().length).toBeGreaterThan(6)
    expect(leakedSecrets(h.logs, secrets)).toEqual([])
  })

  it('finds a secret in the logs when one is there (the check itself works)', () => {
    const secret = `s3cret-${randomBytes(8).toString('hex')}`
    expect(leakedSecrets(['{"msg":"fine"}', `{"msg":"oops ${secret}"}`], [secret])).toHaveLength(1)
  })

  it("answers with the caller's own X-Request-Id and logs under it", async () => {
    const response = await fetch(`${h.server.url}/health`, {
      headers: { 'x-request-id': 'trace-abc.123' },
    })
    expect(response.headers.get('x-request-id')).toBe('trace-abc.123')
    expect(h.logs.some((line) => JSON.parse(line).request_id === 'trace-abc.123')).toBe(true)
  })
})

describe('GET /ready', () => {
  it('answers 200 while the store answers, and 503 once it does not', async () => {
    const store = openSqliteStore({
      path: ':memory:',
      keyRing: createKeyRing([{ id: 'k1', key: randomBytes(32) }]),
    })
    const patchbay = await createPatchbay({ store })
    const app = createServerApp({ patchbay, apiKeys: [] })
    const ready = await app.fetch(new Request('http://patchbay.test/ready'))
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready' })

    await patchbay.close()
    const down = await app.fetch(new Request('http://patchbay.test/ready'))
    expect(down.status).toBe(503)
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('store_unavailable')
    // /health reports the store too (issue 11): 503, with no detail beyond "unreachable".
    const health = await app.fetch(new Request('http://patchbay.test/health'))
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'unavailable', store: 'unreachable' })
  })
})
