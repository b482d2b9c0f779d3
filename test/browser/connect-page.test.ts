import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seriousAxeViolations } from '../helpers/axe.js'
import { acmeKeysConnector, connectSession, installAcme } from '../helpers/connect-page.js'
import { startHarness } from '../helpers/harness.js'
import type { Harness } from '../helpers/harness.js'
import { launchChromium } from '../helpers/chromium.js'

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))

// A browser is slower to start and drive than a fetch; allow for a busy machine.
describe('the Connect page in headless Chromium', { timeout: 60_000 }, () => {
  let browser: Browser
  let h: Harness

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true })
    ;[browser, h] = await Promise.all([
      launchChromium(),
      startHarness({ connectors: (sandbox) => [acmeKeysConnector(sandbox)] }),
    ])
    await installAcme(h)
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await h?.close()
  }, 60_000)

  /** A fresh browser window on a new connect session for `integrations`. */
  async function openPage(integrations: string[], viewport = { width: 800, height: 720 }) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, reducedMotion: 'reduce' })
    // A stuck step fails with its own message, well inside the test's timeout.
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    const redirect = `${h.server.url}/done`
    const session = await connectSession(h, { integrations, end_user: 'user-42', redirect })
    const response = await page.goto(session.url)
    expect(response?.status()).toBe(200)
    return page
  }

  const shoot = (page: Page, name: string) =>
    page.screenshot({ path: `${SCREENSHOTS}${name}`, animations: 'disabled', caret: 'hide', fullPage: true })

  const connections = async (integration: string) =>
    (await h.api('GET', `/connections?integration=${integration}`)).body.connections as any[]

  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '')

  it('connects an API-key account from its form and shows the success', async () => {
    const page = await openPage(['acme', 'sandbox'])
    const acme = page.getByRole('button', { name: /Acme Keys/ })
    await expect(acme.isVisible()).resolves.toBe(true)
    await expect(page.getByRole('button', { name: /Sandbox/ }).isVisible()).resolves.toBe(true)
    // Each service shows its logo (the sandbox's built-in one too), not an initial.
    for (const panel of ['panel-0', 'panel-1']) {
      const logo = page.locator(`[data-open="${panel}"] .logo img`)
      expect(await logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
    }
    expect(await page.getByText('Secured by Patchbay').isVisible()).toBe(true)
    expect(await seriousAxeViolations(page)).toEqual([])
    await shoot(page, 'connect-list.png')

    await acme.click()
    expect(await focusedId(page)).toBe('panel-0-title')
    // Real labels: each control is found by its label's text.
    await page.getByLabel('Region', { exact: true }).selectOption('eu')
    await page.getByLabel('Notes', { exact: true }).fill('Support inbox')
    const key = page.getByLabel('API key', { exact: true })
    await key.fill(h.sandbox.apiKey)
    expect(await key.getAttribute('type')).toBe('password')
    expect(await key.getAttribute('required')).not.toBeNull()
    // The tooltip is the field's accessible description.
    const described = await key.evaluate(
      (input) => document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent,
    )
    expect(described).toBe('Acme shows it under Settings → API keys')
    await page.getByRole('button', { name: 'About API key' }).hover()
    // The connector's developer description is not for the end user.
    expect(await page.content()).not.toContain('Tickets and contacts from your Acme account.')
    expect(await seriousAxeViolations(page)).toEqual([])
    await shoot(page, 'connect-apikey-form.png')

    await page.getByRole('button', { name: 'Connect Acme Keys' }).click()
    const success = page.getByRole('status')
    await success.waitFor()
    expect(await success.textContent()).toBe('Connected to Acme Keys as API key user.')
    expect(await focusedId(page)).toBe('success')
    // The success view replaces the "Connect an account" heading.
    expect(await page.getByRole('heading', { level: 1 }).allTextContents()).toEqual(['Account connected'])
    expect(await seriousAxeViolations(page)).toEqual([])
    const link = page.getByRole('link', { name: 'Back to the application' })
    const back = new URL((await link.getAttribute('href')) ?? '')
    expect(back.searchParams.get('status')).toBe('connected')
    await shoot(page, 'connect-success.png')

    const id = back.searchParams.get('connection_id')
    const stored = (await connections('acme')).find((connection) => connection.id === id)
    expect(stored).toMatchObject({
      account_name: 'API key user',
      created_by: 'user-42',
      settings: { region: 'eu', notes: 'Support inbox' },
    })
  })

  it('completes an OAuth connect in a popup and shows the opener connected', async () => {
    const before = (await connections('sandbox')).length
    const page = await openPage(['acme', 'sandbox'])
    await page.getByRole('button', { name: /Sandbox/ }).click()
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Connect with Sandbox' }).click(),
    ])
    await popup.waitForURL((url) => url.pathname === '/oauth/authorize')
    // While the sign-in window is open the page waits, and can bring the window back.
    const waiting = page.getByRole('status').filter({ hasText: 'Finish signing in in the other window.' })
    await waiting.waitFor()
    expect(await page.getByRole('button', { name: 'Connect with Sandbox' }).isVisible()).toBe(false)
    const popups: Page[] = []
    page.context().on('page', (opened) => popups.push(opened))
    await page.getByRole('button', { name: 'Reopen the sign-in window' }).click()
    expect(popups).toEqual([]) // the same window, brought forward, not a second flow
    expect(popup.isClosed()).toBe(false)
    expect(await seriousAxeViolations(page)).toEqual([])
    await shoot(page, 'connect-waiting.png')
    await popup.getByRole('button', { name: 'Approve' }).click()

    const success = page.getByRole('status')
    await success.waitFor()
    expect(await success.textContent()).toMatch(/^Connected to Sandbox as \S+\.$/)
    expect(await focusedId(page)).toBe('success')
    // The opener closed the popup once it had the result.
    if (!popup.isClosed()) await popup.waitForEvent('close')
    await shoot(page, 'connect-oauth-connected.png')
    expect(await waiting.isVisible()).toBe(false)

    const after = await connections('sandbox')
    expect(after.length).toBe(before + 1)
    expect(after.at(-1)).toMatchObject({ status: 'active', created_by: 'user-42' })
  })

  it("shows a refused key in the provider's words, by keyboard alone, and stores nothing", async () => {
    const before = (await connections('acme')).length
    const page = await openPage(['acme', 'sandbox'])
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Acme Keys')
    await page.keyboard.press('Enter')
    expect(await focusedId(page)).toBe('panel-0-title')
    await page.getByLabel('Region', { exact: true }).focus()
    await page.keyboard.press('ArrowDown')
    await page.getByLabel('API key', { exact: true }).focus()
    await page.keyboard.type('not-the-right-key')
    await page.keyboard.press('Enter')

    const alert = page.locator('#panel-0-alert')
    await page.waitForFunction(() => document.getElementById('panel-0-alert')?.textContent !== '')
    expect(await alert.getAttribute('role')).toBe('alert')
    expect(await alert.textContent()).toBe('Acme Keys refused the connection: The API key is not valid')
    expect(await alert.textContent()).not.toContain('not-the-right-key')
    expect(await focusedId(page)).toBe('panel-0-alert')
    expect(await seriousAxeViolations(page)).toEqual([])
    await shoot(page, 'connect-validation-error.png')
    expect((await connections('acme')).length).toBe(before)

    // The session survives a refusal: the corrected key connects.
    await page.getByLabel('API key', { exact: true }).fill(h.sandbox.apiKey)
    await page.getByRole('button', { name: 'Connect Acme Keys' }).click()
    await page.getByRole('status').waitFor()
    expect((await connections('acme')).length).toBe(before + 1)
  })

  it('says the sign-in window was closed, and connects again from the same button', async () => {
    const page = await openPage(['sandbox'])
    const connect = page.getByRole('button', { name: 'Connect with Sandbox' })
    const [popup] = await Promise.all([page.waitForEvent('popup'), connect.click()])
    await popup.waitForURL((url) => url.pathname === '/oauth/authorize')
    await popup.close()
    const alert = page.locator('#panel-0-alert')
    await page.waitForFunction(() => document.getElementById('panel-0-alert')?.textContent !== '')
    expect(await alert.textContent()).toBe(
      'The sign-in window was closed before the account was connected. Connect again to reopen it.',
    )
    expect(await page.getByRole('status').filter({ hasText: 'Finish signing in' }).count()).toBe(0)
    const [again] = await Promise.all([page.waitForEvent('popup'), connect.click()])
    await again.waitForURL((url) => url.pathname === '/oauth/authorize')
    await again.getByRole('button', { name: 'Approve' }).click()
    await page.getByRole('status').filter({ hasText: /^Connected to Sandbox/ }).waitFor()
  })

  it('shows a spent link in the one wording, accessibly', async () => {
    const context = await browser.newContext({ viewport: { width: 800, height: 720 }, deviceScaleFactor: 1 })
    const page = await context.newPage()
    const response = await page.goto(`${h.server.url}/connect?session=cs_spent`)
    expect(response?.status()).toBe(401)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link can no longer be used')
    expect(await page.getByRole('alert').textContent()).toContain('Go back to the application')
    expect(await seriousAxeViolations(page)).toEqual([])
    await shoot(page, 'connect-link-spent.png')
    await context.close()
  })

  it('fits a 375 px phone screen', async () => {
    const page = await openPage(['acme', 'sandbox'], { width: 375, height: 740 })
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(await overflow()).toBeLessThanOrEqual(0)
    await page.getByRole('button', { name: /Acme Keys/ }).click()
    expect(await overflow()).toBeLessThanOrEqual(0)
    const button = await page.getByRole('button', { name: 'Connect Acme Keys' }).boundingBox()
    expect(button?.width).toBeGreaterThan(300)
    await shoot(page, 'connect-phone.png')
  })
})
