import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONNECT_PAGE_CSP } from '../src/server/connect-page/index.js'
import {
  acmeKeysConnector,
  answerConsent,
  connectSession,
  flowCookieOf,
  installAcme,
  pageApi,
  popupMessageOf,
} from './helpers/connect-page.js'
import { putConnector } from './helpers/connectors.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

describe('the Connect page over HTTP', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness({ connectors: (sandbox) => [acmeKeysConnector(sandbox)] })
    await installAcme(h)
  })
  afterAll(async () => h.close())

  const count = async (integration: string) =>
    (await h.api('GET', `/connections?integration=${integration}`)).body.connections.length as number

  it('gives several integrations the Connect page URL, one integration its start URL', async () => {
    const page = await connectSession(h, { integrations: ['acme', 'sandbox'], end_user: 'user-7' })
    expect(page.url).toBe(`${h.server.url}/connect?session=${page.token}`)
    const direct = await connectSession(h, { integration: 'sandbox' })
    expect(direct.url).toBe(`${h.server.url}/auth/sandbox/start?session=${direct.token}`)
  })

  it('refuses a session naming no integration, or an unknown one', async () => {
    const none = await h.api('POST', '/connect/sessions', { end_user: 'u' })
    expect(none.status).toBe(400)
    expect(none.body.error.code).toBe('bad_request')
    const unknown = await h.api('POST', '/connect/sessions', { integrations: ['acme', 'nope'] })
    expect(unknown.status).toBe(404)
  })

  it('serves the page with a strict CSP, no framing, no caching and no Referer', async () => {
    const { url, token } = await connectSession(h, { integrations: ['acme', 'sandbox'] })
    const response = await fetch(url)
    const html = await response.text()
    expect(response.status).toBe(200)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toBe(CONNECT_PAGE_CSP)
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    // No inline script or style: the script and stylesheet are files.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
    expect(html).toContain('<script type="module" src="/connect/assets/connect.js"></script>')
    expect(html).toContain('Acme Keys')
    expect(html).toContain('Sandbox')
    expect(html).not.toContain(h.apiKey)
    // The token is in the page for its script, and nowhere but there: not in the request log.
    expect(html.split(token).length - 1).toBe(1)
    const logged = h.logs.filter((line) => JSON.parse(line).path === '/connect')
    expect(logged.length).toBeGreaterThan(0)
    expect(h.logs.join('\n')).not.toContain(token)

    const script = await fetch(`${h.server.url}/connect/assets/connect.js`)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toContain("postMessage(message, window.location.origin)")
    const styles = await fetch(`${h.server.url}/connect/assets/connect.css`)
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8')
  })

  it('escapes what connectors and integrations put on the page', async () => {
    await putConnector(h, 'evil', {
      id: 'evil',
      name: '<img src=x onerror=alert(1)>',
      logoUrl: 'https://logo.test/"><script>alert(2)</script>',
      baseUrl: h.sandbox.url,
      settings: {
        type: 'object',
        properties: { team: { type: 'string', title: '"><b>Team</b>', description: "<i>it's</i>" } },
      },
      auth: { type: 'api_key', fields: { key: { label: '<u>Key</u>' } } },
    })
    await h.api('PUT', '/integrations/evil', { connector: 'evil' })
    const { url } = await connectSession(h, { integrations: ['evil'] })
    const html = await (await fetch(url)).text()
    expect(html).not.toMatch(/<img src=x|<script>alert|<b>Team|<i>it|<u>Key/)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('src="https://logo.test/&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"')
  })

  it('answers an unknown, spent or missing session with one wording that says what to do next', async () => {
    const spent = await connectSession(h, { integration: 'sandbox' })
    expect((await fetch(spent.url, { redirect: 'manual' })).status).toBe(302)
    const wording =
      'This connect link has expired or was already used. Go back to the application and start ' +
      'connecting again to get a new link.'
    for (const query of ['?session=cs_unknown', '']) {
      const response = await fetch(`${h.server.url}/connect${query}`)
      expect(response.status).toBe(401)
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      const html = await response.text()
      expect(html).toContain('<h1>This link can no longer be used</h1>')
      expect(html).toContain(wording)
    }
    // The direct start URL, spent by its first opening, says the same.
    const again = await fetch(spent.url, { redirect: 'manual' })
    expect(again.status).toBe(401)
    expect(await again.text()).toContain(wording)
  })

  it("never shows a connector's developer description to the end user", async () => {
    const { url } = await connectSession(h, { integrations: ['acme', 'sandbox'] })
    const html = await (await fetch(url)).text()
    expect(html).not.toContain('Tickets and contacts from your Acme account.')
    expect(html).not.toContain("Patchbay's built-in fake provider")
    expect(html).toContain('Secured by Patchbay')
  })

  it('lets only an allowed application frame the page, and only when it asks for an iframe', async () => {
    const { url } = await connectSession(h, { integrations: ['acme'] })
    const nonce = 'n'.repeat(24)
    const own = new URL(h.server.url).origin
    const framed = await fetch(`${url}&origin=${encodeURIComponent(own)}&mode=embed&nonce=${nonce}`)
    expect(framed.status).toBe(200)
    expect(framed.headers.get('content-security-policy')).toBe(
      CONNECT_PAGE_CSP.replace("frame-ancestors 'none'", `frame-ancestors ${own}`),
    )
    expect(framed.headers.get('x-frame-options')).toBeNull()
    const html = await framed.text()
    expect(html).toContain(`data-embed-origin="${own}" data-embed-mode="embed" data-embed-nonce="${nonce}"`)

    // A popup is never framable; an origin off the allow-list or a bad value is refused.
    const popup = await fetch(`${url}&origin=${encodeURIComponent(own)}&mode=popup&nonce=${nonce}`)
    expect(popup.headers.get('content-security-policy')).toBe(CONNECT_PAGE_CSP)
    expect(popup.headers.get('x-frame-options')).toBe('DENY')
    for (const query of [
      `origin=${encodeURIComponent('https://evil.example')}&mode=embed&nonce=${nonce}`,
      `origin=${encodeURIComponent(`${own}/path`)}&mode=embed&nonce=${nonce}`,
      `origin=${encodeURIComponent(`${own} 'unsafe-inline'`)}&mode=embed&nonce=${nonce}`,
      `origin=${encodeURIComponent(own)}&mode=embed&nonce=short`,
    ]) {
      const refused = await fetch(`${url}&${query}`)
      expect(refused.status, query).toBe(400)
      expect(refused.headers.get('content-security-policy')).toBe(CONNECT_PAGE_CSP)
      expect(refused.headers.get('x-frame-options')).toBe('DENY')
    }
    const evil = await (await fetch(`${url}&origin=${encodeURIComponent('https://evil.example')}&nonce=${nonce}`)).text()
    expect(evil).toContain('add it to PATCHBAY_REDIRECT_ORIGINS')
  })

  it('never lets a connect session call the API', async () => {
    const { token } = await connectSession(h, { integrations: ['acme'] })
    for (const [method, path] of [
      ['GET', '/connections'],
      ['GET', '/integrations'],
      ['POST', '/connections'],
      ['POST', '/connect/sessions'],
    ] as const) {
      const response = await fetch(`${h.server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(method === 'POST'
          ? { body: JSON.stringify({ integration: 'acme', auth: { apiKey: h.sandbox.apiKey } }) }
          : {}),
      })
      expect(response.status, `${method} ${path}`).toBe(401)
    }
    // Nor the page calls without one, or with an API key instead.
    const withKey = await pageApi(h, '/connect/api/connections', h.apiKey, { integration: 'acme' })
    expect(withKey.status).toBe(401)
  })

  it('connects only the integrations the session allows', async () => {
    const { token } = await connectSession(h, { integrations: ['sandbox'] })
    const before = await count('acme')
    const answer = await pageApi(h, '/connect/api/connections', token, {
      integration: 'acme',
      settings: { region: 'eu' },
      auth: { apiKey: h.sandbox.apiKey },
    })
    expect(answer.status).toBe(401)
    expect(answer.body.error.message).toContain('does not allow connecting "acme"')
    expect(await count('acme')).toBe(before)
  })

  it('keeps the session after a refused key and spends it on the connection it makes', async () => {
    const { token, url } = await connectSession(h, { integrations: ['acme'], end_user: 'user-42' })
    const before = await count('acme')
    const wrong = await pageApi(h, '/connect/api/connections', token, {
      integration: 'acme',
      settings: { region: 'eu' },
      auth: { apiKey: 'not-the-key' },
    })
    expect(wrong.status).toBe(401)
    // The provider's own words, named after the service, without a method or URL.
    expect(wrong.body.error.message).toBe('Acme Keys refused the connection: The API key is not valid')
    expect(JSON.stringify(wrong.body)).not.toContain('not-the-key')
    expect(await count('acme')).toBe(before)

    const right = await pageApi(h, '/connect/api/connections', token, {
      integration: 'acme',
      settings: { region: 'us' },
      auth: { apiKey: h.sandbox.apiKey },
    })
    expect(right.status).toBe(201)
    expect(right.body).toEqual({
      connection: { id: expect.stringMatching(/^conn_/), integration: 'acme', account_name: 'API key user' },
    })
    expect(right.headers.get('cache-control')).toBe('no-store')
    const stored = await h.api('GET', `/connections/${right.body.connection.id}`)
    expect(stored.body).toMatchObject({ created_by: 'user-42', settings: { region: 'us' } })

    const again = await pageApi(h, '/connect/api/connections', token, {
      integration: 'acme',
      settings: { region: 'us' },
      auth: { apiKey: h.sandbox.apiKey },
    })
    expect(again.status).toBe(401)
    expect((await fetch(url)).status).toBe(401)
    expect(await count('acme')).toBe(before + 1)
  })

  it('keeps each integration to its way of connecting', async () => {
    const { token } = await connectSession(h, { integrations: ['acme', 'sandbox'] })
    const imported = await pageApi(h, '/connect/api/connections', token, {
      integration: 'sandbox',
      auth: { access_token: 'imported-token' },
    })
    expect(imported.status).toBe(400)
    const oauthForKeys = await pageApi(h, '/connect/api/oauth/start', token, { integration: 'acme' })
    expect(oauthForKeys.status).toBe(400)
  })

  it('runs an OAuth flow for the page and reports it to the opener, same origin only', async () => {
    const { token, url } = await connectSession(h, { integrations: ['sandbox', 'acme'], end_user: 'user-9' })
    const started = await pageApi(h, '/connect/api/oauth/start', token, { integration: 'sandbox' })
    expect(started.status).toBe(200)
    expect(started.body.url.startsWith(`${h.sandbox.url}/oauth/authorize?`)).toBe(true)
    // Starting does not spend the session: consent may still be denied.
    expect((await fetch(url)).status).toBe(200)

    const landing = await fetch(await answerConsent(started.body.url), { headers: { cookie: flowCookieOf(started) } })
    const html = await landing.text()
    expect(landing.status).toBe(200)
    expect(landing.headers.get('content-security-policy')).toBe(CONNECT_PAGE_CSP)
    expect(landing.headers.get('referrer-policy')).toBe('no-referrer')
    const message = popupMessageOf(html)
    // Wire JSON: snake_case like the redirect's connection_id, nothing camelCase (issue 13).
    expect(message).toEqual({
      type: 'patchbay:connected',
      connection_id: expect.stringMatching(/^conn_/),
      account_name: expect.any(String),
      integration: 'sandbox',
      status: 'connected',
    })
    expect(Object.keys(message).filter((key) => /[A-Z]/.test(key))).toEqual([])
    // The popup's own page names the service and the account.
    expect(html).toContain(`Connected to Sandbox as ${message['account_name']}.`)
    expect(html).not.toContain(token)
    const stored = await h.api('GET', `/connections/${message['connection_id']}`)
    expect(stored.body.created_by).toBe('user-9')
    expect((await fetch(url)).status).toBe(401)
  })

  it("reports a denied consent to the opener in the provider's words and keeps the session", async () => {
    const { token, url } = await connectSession(h, { integrations: ['sandbox'] })
    const started = await pageApi(h, '/connect/api/oauth/start', token, { integration: 'sandbox' })
    const landing = await fetch(await answerConsent(started.body.url, 'deny'), {
      headers: { cookie: flowCookieOf(started) },
    })
    const message = popupMessageOf(await landing.text())
    expect(message['type']).toBe('patchbay:error')
    expect(message['code']).toBe('unauthorized')
    expect(message['message']).toContain('access_denied')
    expect((await fetch(url)).status).toBe(200)
  })

  it('stores nothing when the session was spent while the consent was open', async () => {
    const { token } = await connectSession(h, { integrations: ['sandbox', 'acme'] })
    const started = await pageApi(h, '/connect/api/oauth/start', token, { integration: 'sandbox' })
    const made = await pageApi(h, '/connect/api/connections', token, {
      integration: 'acme',
      settings: { region: 'eu' },
      auth: { apiKey: h.sandbox.apiKey },
    })
    expect(made.status).toBe(201)
    const before = await count('sandbox')
    const landing = await fetch(await answerConsent(started.body.url), { headers: { cookie: flowCookieOf(started) } })
    const message = popupMessageOf(await landing.text())
    expect(message).toMatchObject({ type: 'patchbay:error', code: 'unauthorized' })
    expect(await count('sandbox')).toBe(before)
  })
})

describe('the Connect page under an application brand', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness({
      connectors: (sandbox) => [acmeKeysConnector(sandbox)],
      server: { brand: { name: 'Acme <CRM>', logoUrl: '/static/acme.svg', accent: '#0F766E' } },
    })
    await installAcme(h)
  })
  afterAll(async () => h.close())

  it("shows the application's name and logo and its accent, with the CSP unchanged", async () => {
    const { url } = await connectSession(h, { integrations: ['acme', 'sandbox'] })
    const response = await fetch(url)
    const html = await response.text()
    expect(response.headers.get('content-security-policy')).toBe(CONNECT_PAGE_CSP)
    expect(html).toContain('<title>Connect an account to Acme &lt;CRM&gt;</title>')
    expect(html).toContain('<img class="brand-logo" src="/static/acme.svg" alt="Acme &lt;CRM&gt;"')
    expect(html).not.toContain('<CRM>')
    const css = await (await fetch(`${h.server.url}/connect/assets/connect.css`)).text()
    expect(css).toContain('--accent: #0f766e;')
    const pageCss = await (await fetch(`${h.server.url}/assets/page.css`)).text()
    expect(pageCss).toContain('--accent: #0f766e;')
  })
})
