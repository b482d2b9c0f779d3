import { createHash, randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPatchbay } from '../src/runtime/index.js'
import { createServerApp } from '../src/server/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

/** A browser's cookies for one origin: what `Set-Cookie` said, sent back as `Cookie`. */
class CookieJar {
  readonly cookies = new Map<string, string>()
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, value] = (pair as string).split('=') as [string, string]
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)
  if (!match) throw new Error(`no hidden field ${name} in the page`)
  return match[1] as string
}

describe('the operator dashboard over HTTP', { timeout: 60_000 }, () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness()
  }, 60_000)
  afterAll(async () => {
    await h?.close()
  }, 60_000)

  const page = (jar: CookieJar, path: string, init: RequestInit = {}) =>
    fetch(`${h.server.url}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) },
    }).then((response) => {
      jar.take(response)
      return response
    })

  const post = (jar: CookieJar, path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    page(jar, path, { method: 'POST', body: new URLSearchParams(form), headers })

  /** Signs a fresh browser in with the harness's API key; returns its jar and CSRF token. */
  async function signIn() {
    const jar = new CookieJar()
    const form = await page(jar, '/dashboard/sign-in')
    const signin = hiddenField(await form.text(), 'signin')
    const answer = await post(jar, '/dashboard/sign-in', { signin, api_key: h.apiKey })
    expect(answer.status).toBe(303)
    const home = await page(jar, '/')
    expect(home.status).toBe(200)
    return { jar, csrf: hiddenField(await home.text(), 'csrf'), answer, home }
  }

  it('sends a browser without a session to the sign-in page, and refuses a wrong key', async () => {
    const jar = new CookieJar()
    const home = await page(jar, '/')
    expect(home.status).toBe(303)
    expect(home.headers.get('location')).toBe('/dashboard/sign-in')
    const form = await page(jar, '/dashboard/sign-in')
    const signin = hiddenField(await form.text(), 'signin')
    const wrong = await post(jar, '/dashboard/sign-in', { signin, api_key: `pb_${randomBytes(32).toString('base64url')}` })
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toContain('That API key is not valid')
    expect(jar.cookies.has('patchbay-dashboard')).toBe(false)
  })

  it('signs in with an API key into an HttpOnly, SameSite=Strict session stored only as a digest', async () => {
    const { jar, answer, home } = await signIn()
    const line = answer.headers.getSetCookie().find((cookie) => cookie.startsWith('patchbay-dashboard='))
    expect(line).toMatch(/HttpOnly/)
    expect(line).toMatch(/SameSite=Strict/)
    expect(line).toMatch(/Path=\//)
    expect(line).toMatch(/Max-Age=28800/)
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'")
    const token = jar.cookies.get('patchbay-dashboard') as string
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const db = new Database(h.dbPath, { readonly: true })
    try {
      const rows = db.prepare('SELECT token_hash FROM operator_sessions').all() as { token_hash: string }[]
      expect(rows.map((row) => row.token_hash)).toContain(createHash('sha256').update(token).digest('hex'))
      expect(JSON.stringify(rows)).not.toContain(token)
    } finally {
      db.close()
    }
  })

  it('refuses a sign-in form that did not come from this browser’s sign-in page', async () => {
    const jar = new CookieJar()
    const forged = await post(jar, '/dashboard/sign-in', { signin: randomBytes(32).toString('base64url'), api_key: h.apiKey })
    expect(forged.status).toBe(403)
    expect(jar.cookies.has('patchbay-dashboard')).toBe(false)
  })

  it('refuses a forged POST without the session’s CSRF token and changes nothing', async () => {
    const id = await connectViaBrowser(h)
    const { jar, csrf } = await signIn()
    const other = await signIn()
    const forged: Record<string, string>[] = [{}, { csrf: 'forged' }, { csrf: other.csrf }]
    for (const form of forged) {
      const refused = await post(jar, `/dashboard/connections/${id}/delete`, form)
      expect(refused.status).toBe(403)
    }
    // The right token from another site's page (its Origin, or the browser's word) is refused too.
    const crossSite = await post(jar, `/dashboard/connections/${id}/delete`, { csrf }, { origin: 'https://evil.example' })
    expect(crossSite.status).toBe(403)
    const fetchedElsewhere = await post(jar, `/dashboard/connections/${id}/delete`, { csrf }, { 'sec-fetch-site': 'cross-site' })
    expect(fetchedElsewhere.status).toBe(403)
    expect((await h.api('GET', `/connections/${id}`)).status).toBe(200)

    const deleted = await post(jar, `/dashboard/connections/${id}/delete`, { csrf })
    expect(deleted.status).toBe(303)
    expect((await h.api('GET', `/connections/${id}`)).status).toBe(404)
  })

  it('signs out: the cookie is cleared and its token opens nothing any more', async () => {
    const { jar, csrf } = await signIn()
    const token = jar.cookies.get('patchbay-dashboard') as string
    const out = await post(jar, '/dashboard/sign-out', { csrf })
    expect(out.status).toBe(303)
    expect(jar.cookies.has('patchbay-dashboard')).toBe(false)
    const replay = new CookieJar()
    replay.cookies.set('patchbay-dashboard', token)
    expect((await page(replay, '/')).status).toBe(303)
  })

  it('answers GET /connections/:id/events in snake_case, newest first, by pages, without secrets', async () => {
    const id = await connectViaBrowser(h)
    expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
    h.sandbox.setConfig({ failNextToken: { status: 503, body: { error: 'temporarily_unavailable' } } })
    expect((await h.api('POST', `/connections/${id}/refresh`)).status).not.toBe(200)

    const first = await h.api('GET', `/connections/${id}/events?limit=2`)
    expect(first.status).toBe(200)
    expect(first.body.events.map((event: any) => event.type)).toEqual(['refresh.failed', 'connection.refreshed'])
    expect(Object.keys(first.body.events[0]).sort()).toEqual(
      ['connection_id', 'created_at', 'id', 'integration_id', 'reason', 'type'].sort(),
    )
    expect(first.body.events[0].reason).toEqual(expect.any(String))
    const rest = await h.api('GET', `/connections/${id}/events?limit=2&cursor=${first.body.next_cursor}`)
    expect(rest.body.events.map((event: any) => event.type)).toEqual(['connection.created'])
    expect(rest.body.next_cursor).toBeNull()

    const credentials = (await h.api('GET', `/connections/${id}/credentials`)).body.credentials
    const all = JSON.stringify([first.body, rest.body])
    for (const value of [credentials.access_token ?? credentials.accessToken, credentials.refresh_token ?? credentials.refreshToken]) {
      expect(typeof value).toBe('string')
      expect(all).not.toContain(value)
    }

    const anonymous = await fetch(`${h.server.url}/connections/${id}/events`)
    expect(anonymous.status).toBe(401)
    expect((await h.api('GET', `/connections/${id}/events?cursor=abc`)).status).toBe(400)
  })
})

describe('the dashboard served over https', () => {
  it('sets __Host- cookies with Secure', async () => {
    const store = openSqliteStore({ path: ':memory:', keyRing: createKeyRing([{ id: 'k1', key: randomBytes(32) }]) })
    const patchbay = await createPatchbay({ store, publicUrl: 'https://patchbay.example' })
    const apiKey = randomBytes(24).toString('hex')
    const app = createServerApp({ patchbay, apiKeys: [apiKey] })
    try {
      const form = await app.fetch(new Request('https://patchbay.example/dashboard/sign-in'))
      const signinCookie = form.headers.getSetCookie()[0] as string
      expect(signinCookie).toMatch(/^__Host-patchbay-dashboard-signin=/)
      expect(signinCookie).toMatch(/Secure/)
      const signin = hiddenField(await form.text(), 'signin')
      const answer = await app.fetch(
        new Request('https://patchbay.example/dashboard/sign-in', {
          method: 'POST',
          headers: { cookie: signinCookie.split(';')[0] as string, origin: 'https://patchbay.example' },
          body: new URLSearchParams({ signin, api_key: apiKey }),
        }),
      )
      expect(answer.status).toBe(303)
      const session = answer.headers.getSetCookie().find((line) => line.startsWith('__Host-patchbay-dashboard='))
      expect(session).toMatch(/Secure/)
      expect(session).toMatch(/HttpOnly/)
      expect(session).toMatch(/SameSite=Strict/)
    } finally {
      await patchbay.close()
    }
  })
})

describe('the event log’s retention', () => {
  it('forgets the events older than the retention in days when pruned', async () => {
    let clock = 1_800_000_000
    const store = openSqliteStore({ path: ':memory:', keyRing: createKeyRing([{ id: 'k1', key: randomBytes(32) }]) })
    const patchbay = await createPatchbay({ store, now: () => clock, eventLog: { retentionDays: 2 } })
    const refreshed = (connectionId: string) =>
      store.recordConnectionEvent({ connectionId, integrationId: null, type: 'connection.refreshed', reason: null, createdAt: clock }, 10)
    try {
      await refreshed('c1')
      clock += 3 * 86_400
      await refreshed('c2')
      expect(await patchbay.connectionEvents.prune()).toBe(1)
      expect((await patchbay.connectionEvents.page('c1')).events).toEqual([])
      expect((await patchbay.connectionEvents.page('c2')).events).toHaveLength(1)
    } finally {
      await patchbay.close()
    }
  })
})
