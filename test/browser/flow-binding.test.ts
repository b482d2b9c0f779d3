import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from '../helpers/harness.js'
import type { Harness } from '../helpers/harness.js'
import { launchChromium } from '../helpers/chromium.js'

// Two browser contexts share nothing (cookies included): two people's browsers.
describe('an OAuth flow finished in another browser, in headless Chromium (issue 8, item 2)', { timeout: 60_000 }, () => {
  let browser: Browser
  let h: Harness

  beforeAll(async () => {
    ;[browser, h] = await Promise.all([
      launchChromium(),
      startHarness(),
    ])
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await h?.close()
  }, 60_000)

  async function newBrowser(): Promise<BrowserContext> {
    const context = await browser.newContext()
    context.setDefaultTimeout(15_000)
    return context
  }

  const isConsentAnswer = (url: URL) => url.origin === h.sandbox.url && url.pathname === '/oauth/authorize'
  const connections = async () => (await h.api('GET', '/connections')).body.connections.length

  /** Opens a one-time connect link and approves at the sandbox; resolves to where it landed. */
  async function connectIn(context: BrowserContext, stopAtCallback: boolean) {
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox' })
    const page = await context.newPage()
    let callbackUrl: string | null = null
    if (stopAtCallback) {
      // The provider's redirect back is caught before it reaches Patchbay, as if the victim's
      // browser, not this one, were about to be sent there. (Redirect hops are not routed, so
      // the consent's answer is fetched here and its Location kept.)
      await page.route(isConsentAnswer, async (route) => {
        if (route.request().method() !== 'POST') return route.continue()
        const answer = await route.fetch({ maxRedirects: 0 })
        callbackUrl = answer.headers()['location'] ?? null
        await route.fulfill({ status: 200, contentType: 'text/plain', body: 'stopped' })
      })
    }
    await page.goto(session.body.url)
    await page.waitForURL((url) => url.pathname === '/oauth/authorize')
    await page.getByRole('button', { name: 'Approve' }).click().catch(() => undefined)
    if (stopAtCallback) {
      await expect.poll(() => callbackUrl, { timeout: 15_000 }).not.toBeNull()
      await page.unroute(isConsentAnswer)
    } else {
      await page.getByRole('status').waitFor()
    }
    return { page, callbackUrl: callbackUrl as string | null }
  }

  it('connects when the same browser starts and finishes the flow', async () => {
    const before = await connections()
    const alice = await newBrowser()
    try {
      const { page } = await connectIn(alice, false)
      expect(await page.getByRole('status').textContent()).toContain('Connected to Sandbox')
      expect(await connections()).toBe(before + 1)
    } finally {
      await alice.close()
    }
  })

  it('refuses the callback in another browser with state_mismatch, storing nothing', async () => {
    const alice = await newBrowser()
    const mallory = await newBrowser()
    try {
      const started = await connectIn(mallory, true)
      const before = await connections()

      const victim = await alice.newPage()
      const refused = await victim.goto(started.callbackUrl as string)
      expect(refused?.status()).toBe(400)
      expect(await victim.getByRole('heading', { level: 1 }).textContent()).toBe('Connection failed')
      expect(await victim.getByRole('alert').isVisible()).toBe(true)
      expect(await victim.content()).toContain('state_mismatch')
      expect(await connections()).toBe(before)

      // The flow is not burned: its own browser can still finish it.
      const own = await started.page.goto(started.callbackUrl as string)
      expect(own?.status()).toBe(200)
      expect(await started.page.getByRole('status').textContent()).toContain('Connected to Sandbox')
      expect(await connections()).toBe(before + 1)
    } finally {
      await alice.close()
      await mallory.close()
    }
  })
})
