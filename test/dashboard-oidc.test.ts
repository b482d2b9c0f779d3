import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { registerClient } from './helpers/connectors.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

/** A browser's cookies for one origin: what `Set-Cookie` said, sent back as `Cookie`. */
class CookieJar {
  readonly cookies = new Map<string, string>()
  readonly lines = new Map<string, string>()
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, value] = (pair as string).split('=') as [string, string]
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
      this.lines.set(name, line)
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

const SESSION = 'patchbay-dashboard'
const PENDING = 'patchbay-dashboard-oidc'

describe('operator sign-in to the dashboard through OIDC', { timeout: 60_000 }, () => {
  let issuer: Sandbox
  let h: Harness
  let refusing: Harness
  let clientSecret: string

  beforeAll(async () => {
    issuer = await startSandbox({ autoApprove: true })
    const client = registerClient(issuer)
    clientSecret = client.clientSecret
    const config = { issuer: issuer.url, clientId: client.clientId, clientSecret: client.clientSecret }
    h = await startHarness({ server: { dashboardOidc: { ...config, allowed: ['@sandbox.test'] } } })
    refusing = await startHarness({ server: { dashboardOidc: { ...config, allowed: ['someone@example.org'] } } })
  }, 60_000)
  afterAll(async () => {
    await h?.close()
    await refusing?.close()
    await issuer?.close()
  }, 60_000)

  const get = (jar: CookieJar, url: string) =>
    fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } }).then((response) => {
      jar.take(response)
      return response
    })

  /** Starts a sign-in and lets the sandbox approve it; returns the callback URL it redirects to. */
  async function throughIssuer(harness: Harness, jar: CookieJar): Promise<string> {
    const start = await get(jar, `${harness.server.url}/dashboard/oidc/start`)
    expect(start.status).toBe(302)
    const authorize = new URL(start.headers.get('location') as string)
    expect(authorize.origin).toBe(new URL(issuer.url).origin)
    expect(authorize.searchParams.get('scope')).toBe('openid email profile')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${harness.server.url}/dashboard/oidc/callback`)
    const line = jar.lines.get(PENDING) as string
    expect(line).toMatch(/HttpOnly/)
    expect(line).toMatch(/SameSite=Lax/)
    const approved = await fetch(authorize, { redirect: 'manual' })
    expect(approved.status).toBe(302)
    return approved.headers.get('location') as string
  }

  it('offers the issuer on the sign-in page', async () => {
    const page = await get(new CookieJar(), `${h.server.url}/dashboard/sign-in`)
    expect(await page.text()).toContain(`Sign in with ${new URL(issuer.url).host}`)
  })

  it('signs an allowed operator in: the session cookie opens the dashboard, the state is spent', async () => {
    const jar = new CookieJar()
    const callback = await throughIssuer(h, jar)
    const landed = await get(jar, callback)
    expect(landed.status).toBe(200)
    expect(await landed.text()).toContain('Continue to the dashboard')
    expect(jar.cookies.has(SESSION)).toBe(true)
    expect(jar.cookies.has(PENDING)).toBe(false)
    const home = await get(jar, `${h.server.url}/`)
    expect(home.status).toBe(200)
    expect(await home.text()).toContain('oidc:')

    // The same callback again (the state cookie is gone): refused, no new session.
    const replay = new CookieJar()
    const again = await get(replay, callback)
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('was not started in this browser')
    expect(replay.cookies.has(SESSION)).toBe(false)

    // Neither the client secret nor the code reached the server's log.
    const code = new URL(callback).searchParams.get('code') as string
    const logs = h.logs.join('\n')
    expect(logs).toContain('/dashboard/oidc/callback')
    expect(logs).not.toContain(clientSecret)
    expect(logs).not.toContain(code)
  })

  it('refuses a callback whose state is not the one this browser started', async () => {
    const victim = new CookieJar()
    const callback = await throughIssuer(h, victim)
    // Another browser's started sign-in: its cookie holds another state.
    const other = new CookieJar()
    await get(other, `${h.server.url}/dashboard/oidc/start`)
    const answer = await get(other, callback)
    expect(answer.status).toBe(400)
    expect(await answer.text()).toContain('was not started in this browser')
    expect(other.cookies.has(SESSION)).toBe(false)
    const home = await get(other, `${h.server.url}/`)
    expect(home.status).toBe(303)
  })

  it('refuses an identity that PATCHBAY_DASHBOARD_OIDC_ALLOWED does not name, opening no session', async () => {
    const jar = new CookieJar()
    const callback = await throughIssuer(refusing, jar)
    const answer = await get(jar, callback)
    expect(answer.status).toBe(403)
    const text = await answer.text()
    expect(text).toContain('user@sandbox.test')
    expect(text).toContain('is not allowed into this dashboard')
    expect(jar.cookies.has(SESSION)).toBe(false)
    expect((await get(jar, `${refusing.server.url}/`)).status).toBe(303)
  })

  it('reports a refusal at the issuer on the sign-in page', async () => {
    const jar = new CookieJar()
    const start = await get(jar, `${h.server.url}/dashboard/oidc/start`)
    const state = new URL(start.headers.get('location') as string).searchParams.get('state') as string
    const answer = await get(jar, `${h.server.url}/dashboard/oidc/callback?error=access_denied&state=${state}`)
    expect(answer.status).toBe(403)
    expect(await answer.text()).toContain('cancelled or refused at the identity provider')
    expect(jar.cookies.has(SESSION)).toBe(false)
  })
})
