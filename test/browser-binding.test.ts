import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineConnector, oauth2 } from '../src/kit/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { registerClient } from './helpers/connectors.js'
import { consent, cookiesOf, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

/** The sandbox's OAuth 2 flow under another id, answering by `response_mode=form_post`. */
function formPostConnector(sandbox: Sandbox) {
  return defineConnector({
    id: 'sandbox-form-post',
    name: 'Sandbox (form_post)',
    categories: ['developers'],
    baseUrl: sandbox.url,
    settings: z.object({}),
    auth: oauth2({
      authorizationUrl: `${sandbox.url}/oauth/authorize`,
      tokenUrl: `${sandbox.url}/oauth/token`,
      scopes: ['profile'],
      clientAuth: 'client_secret_basic',
      authorizationParams: { response_mode: 'form_post' },
      profile: { request: '/me', accountName: 'login' },
    }),
    capabilities: {},
  })
}

/** One line of `Set-Cookie`, split into its name, value and attributes (lower-cased keys). */
function parseSetCookie(line: string) {
  const [pair, ...attributes] = line.split(';').map((part) => part.trim())
  const [name, value] = (pair as string).split('=') as [string, string]
  const attrs = new Map(
    attributes.map((attribute) => {
      const [key, val] = attribute.split('=')
      return [(key as string).toLowerCase(), val ?? true] as const
    }),
  )
  return { name, value, attrs }
}

describe('OAuth state bound to the browser that started the flow (issue 8, item 2)', () => {
  let h: Harness
  const connections = async () => (await h.api('GET', '/connections')).body.connections.length
  const codeExchanges = () => h.sandbox.stats().tokenRequests.authorization_code

  beforeAll(async () => {
    h = await startHarness()
    // A second OAuth integration on the same provider, for a state presented at the wrong one.
    const other = registerClient(h.sandbox)
    await h.patchbay.integrations.put({
      id: 'sandbox-two',
      connectorId: 'sandbox',
      clientId: other.clientId,
      clientSecret: other.clientSecret,
    })
  })
  afterAll(async () => h.close())

  /** A browser starting a flow from a one-time connect link and consenting at the provider. */
  async function startedFlow(integration = 'sandbox') {
    const session = await h.api('POST', '/connect/sessions', { integration })
    return consent(session.body.url)
  }

  it('hands the binding to the browser in an HttpOnly, SameSite=Lax cookie scoped to the callback', async () => {
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox' })
    const start = await fetch(session.body.url, { redirect: 'manual' })
    expect(start.status).toBe(302)
    const [line, ...more] = start.headers.getSetCookie()
    expect(more).toEqual([])
    const cookie = parseSetCookie(line as string)
    // Served over plain http on loopback: no Secure, so no __Host- prefix; the path is narrow.
    expect(cookie.name).toMatch(/^patchbay-flow-[A-Za-z0-9_-]{22}$/)
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(cookie.attrs.get('httponly')).toBe(true)
    expect(cookie.attrs.get('samesite')).toBe('Lax')
    expect(cookie.attrs.get('path')).toBe('/auth/sandbox/callback')
    expect(cookie.attrs.get('max-age')).toBe('600')
    expect(cookie.attrs.has('secure')).toBe(false)
    // The binding never travels in a URL the provider sees.
    expect(start.headers.get('location')).not.toContain(cookie.value)
  })

  it('refuses a callback without the cookie or with another browser’s, then finishes in the right one', async () => {
    const mine = await startedFlow()
    const theirs = await startedFlow()
    const before = await connections()
    const exchanges = codeExchanges()

    const noCookie = await fetch(mine.callbackUrl, { redirect: 'manual' })
    expect(noCookie.status).toBe(400)
    expect(await noCookie.text()).toContain('state_mismatch')

    // Another browser presents its own (valid) binding cookie with my state and code.
    const otherBrowser = await fetch(mine.callbackUrl, {
      redirect: 'manual',
      headers: { cookie: theirs.cookie },
    })
    expect(otherBrowser.status).toBe(400)
    expect(await otherBrowser.text()).toContain('state_mismatch')

    // A cookie of the right name holding a made-up value is no better.
    const forgedValue = mine.cookie.replace(/=.*/, `=${'A'.repeat(43)}`)
    const forged = await fetch(mine.callbackUrl, { redirect: 'manual', headers: { cookie: forgedValue } })
    expect(forged.status).toBe(400)

    expect(await connections()).toBe(before)
    expect(codeExchanges()).toBe(exchanges)

    // None of that burned the flow: its own browser still finishes it, and the cookie is cleared.
    const landing = await fetch(mine.callbackUrl, { redirect: 'manual', headers: { cookie: mine.cookie } })
    expect(landing.status).toBe(200)
    expect(await landing.text()).toContain('Connected to Sandbox')
    expect(await connections()).toBe(before + 1)
    const cleared = parseSetCookie(landing.headers.getSetCookie()[0] as string)
    expect(cleared.name).toBe(mine.cookie.split('=')[0])
    expect(cleared.attrs.get('max-age')).toBe('0')

    // The other browser's own flow is untouched too.
    const theirsLanding = await fetch(theirs.callbackUrl, {
      redirect: 'manual',
      headers: { cookie: theirs.cookie },
    })
    expect(theirsLanding.status).toBe(200)
  })

  it('keeps two flows started in one browser apart', async () => {
    const first = await startedFlow()
    const second = await startedFlow()
    const jar = `${first.cookie}; ${second.cookie}`
    for (const flow of [second, first]) {
      const landing = await fetch(flow.callbackUrl, { redirect: 'manual', headers: { cookie: jar } })
      expect(landing.status).toBe(200)
    }
  })

  it("refuses a state at another integration's callback without consuming it", async () => {
    const flow = await startedFlow()
    const before = await connections()
    const wrong = new URL(flow.callbackUrl)
    wrong.pathname = '/auth/sandbox-two/callback'
    const refused = await fetch(wrong, { redirect: 'manual', headers: { cookie: flow.cookie } })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('state_mismatch')
    expect(await connections()).toBe(before)

    const landing = await fetch(flow.callbackUrl, { redirect: 'manual', headers: { cookie: flow.cookie } })
    expect(landing.status).toBe(200)
    expect(await connections()).toBe(before + 1)
  })

  it('binds a flow an API caller starts the same way', async () => {
    const flow = await consent(`${h.server.url}/auth/sandbox/start`, 'approve', {
      authorization: `Bearer ${h.apiKey}`,
    })
    expect((await fetch(flow.callbackUrl, { redirect: 'manual' })).status).toBe(400)
    const landing = await fetch(flow.callbackUrl, { redirect: 'manual', headers: { cookie: flow.cookie } })
    expect(landing.status).toBe(200)
  })

  it('binds a Connect page OAuth start: the page call sets the cookie its popup brings back', async () => {
    const session = await h.api('POST', '/connect/sessions', { integrations: ['sandbox'] })
    const started = await fetch(`${h.server.url}/connect/api/oauth/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ integration: 'sandbox' }),
    })
    expect(started.status).toBe(200)
    const cookie = cookiesOf(started)
    expect(cookie).toMatch(/^patchbay-flow-/)
    const { url } = (await started.json()) as { url: string }
    const page = await fetch(url, { redirect: 'manual' })
    const html = await page.text()
    const form = new URLSearchParams({ decision: 'approve' })
    for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      form.set(match[1] as string, (match[2] as string).replace(/&amp;/g, '&'))
    }
    const answer = await fetch(new URL('/oauth/authorize', url), { method: 'POST', body: form, redirect: 'manual' })
    const callbackUrl = answer.headers.get('location') as string
    const refused = await fetch(callbackUrl, { redirect: 'manual' })
    expect(refused.status).toBe(400)
    const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    expect(landing.status).toBe(200)
    expect(await landing.text()).toContain('patchbay:connected')
  })
})

describe('flow cookies when Patchbay is served over https', () => {
  let h: Harness
  const publicUrl = 'https://patchbay.test'

  beforeAll(async () => {
    h = await startHarness({
      runtime: { publicUrl },
      connectors: (sandbox) => [formPostConnector(sandbox)],
    })
    for (const [id, connectorId] of [
      ['tls', 'sandbox'],
      ['tls-form-post', 'sandbox-form-post'],
    ] as const) {
      const client = registerClient(h.sandbox, { redirectUris: [`${publicUrl}/auth/${id}/callback`] })
      await h.patchbay.integrations.put({
        id,
        connectorId,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      })
    }
  })
  afterAll(async () => h.close())

  /** A flow started by an API caller; the callback URL is moved onto the loopback server. */
  async function startedFlow(integration: string) {
    const flow = await consent(`${h.server.url}/auth/${integration}/start`, 'approve', {
      authorization: `Bearer ${h.apiKey}`,
    })
    const callback = new URL(flow.callbackUrl)
    expect(callback.origin).toBe(publicUrl)
    return { ...flow, callbackUrl: `${h.server.url}${callback.pathname}${callback.search}` }
  }

  it('sets a __Host- cookie: Secure, Path=/, HttpOnly, SameSite=Lax, and accepts only that name', async () => {
    const flow = await startedFlow('tls')
    const cookie = parseSetCookie(flow.cookie)
    expect(cookie.name).toMatch(/^__Host-patchbay-flow-/)
    const start = await fetch(`${h.server.url}/auth/tls/start`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${h.apiKey}` },
    })
    const attributes = parseSetCookie(start.headers.getSetCookie()[0] as string).attrs
    expect(attributes.get('secure')).toBe(true)
    expect(attributes.get('path')).toBe('/')
    expect(attributes.get('httponly')).toBe(true)
    expect(attributes.get('samesite')).toBe('Lax')
    expect(attributes.has('domain')).toBe(false)

    // A sibling host can plant a cookie without the prefix; over https it does not count.
    const unprefixed = flow.cookie.replace(/^__Host-/, '')
    const planted = await fetch(flow.callbackUrl, { redirect: 'manual', headers: { cookie: unprefixed } })
    expect(planted.status).toBe(400)
    const landing = await fetch(flow.callbackUrl, { redirect: 'manual', headers: { cookie: flow.cookie } })
    expect(landing.status).toBe(200)
  })

  it('sends a form_post flow’s cookie with SameSite=None, so the provider’s cross-site POST carries it', async () => {
    const flow = await startedFlow('tls-form-post')
    expect(new URL(flow.authorizeUrl).searchParams.get('response_mode')).toBe('form_post')
    const start = await fetch(`${h.server.url}/auth/tls-form-post/start`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${h.apiKey}` },
    })
    const attributes = parseSetCookie(start.headers.getSetCookie()[0] as string).attrs
    expect(attributes.get('samesite')).toBe('None')
    expect(attributes.get('secure')).toBe(true)

    // The provider's answer, POSTed as a form_post provider would.
    const url = new URL(flow.callbackUrl)
    const post = (cookie?: string) =>
      fetch(`${url.origin}${url.pathname}`, {
        method: 'POST',
        body: url.searchParams,
        redirect: 'manual',
        headers: cookie ? { cookie } : {},
      })
    expect((await post()).status).toBe(400)
    const landing = await post(flow.cookie)
    expect(landing.status).toBe(200)
    expect(await landing.text()).toContain('Connected to Sandbox (form_post)')
  })
})
