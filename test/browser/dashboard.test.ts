import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCatalogue } from '../../src/config/index.js'
import { acmeKeysConnector, installAcme } from '../helpers/connect-page.js'
import { connectViaBrowser, startHarness } from '../helpers/harness.js'
import type { Harness } from '../helpers/harness.js'
import { launchChromium } from '../helpers/chromium.js'

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
// Injected through the DevTools protocol (page.evaluate), which the pages' CSP does not govern:
// an added <script> tag would be refused like any inline script, which is the point of the CSP.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

// A browser is slower to start and drive than a fetch; allow for a busy machine.
describe('the operator dashboard in headless Chromium', { timeout: 60_000 }, () => {
  let browser: Browser
  let h: Harness
  let context: BrowserContext
  let page: Page
  const cspViolations: string[] = []
  const sandboxIds: string[] = []

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true })
    ;[browser, h] = await Promise.all([
      launchChromium(),
      startHarness({
        connectors: (sandbox) => [acmeKeysConnector(sandbox)],
        runtime: { catalogue: loadCatalogue() },
      }),
    ])
    await installAcme(h)
    // A catalogue provider, whose logo Patchbay serves itself.
    await h.patchbay.integrations.put({ id: 'github', connectorId: 'github', clientId: 'dashboard-test-client' })
    for (let i = 0; i < 3; i += 1) sandboxIds.push(await connectViaBrowser(h))
    await h.patchbay.connections.create({
      integration: 'acme',
      settings: { region: 'eu' },
      auth: { apiKey: h.sandbox.apiKey },
    })
    // Activity for the chart and the events list: a refresh, then one the provider refuses.
    await h.patchbay.connections.refresh(sandboxIds[0] as string)
    h.sandbox.setConfig({ failNextToken: { status: 503, body: { error: 'temporarily_unavailable' } } })
    await h.patchbay.connections.refresh(sandboxIds[0] as string).catch(() => null)

    context = await browser.newContext({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1, reducedMotion: 'reduce' })
    context.setDefaultTimeout(15_000)
    page = await context.newPage()
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await h?.close()
  }, 60_000)

  const shoot = (name: string) =>
    page.screenshot({ path: `${SCREENSHOTS}dashboard-${name}.png`, animations: 'disabled', caret: 'hide', fullPage: true })

  /** Runs axe-core on the page; fails on any serious or critical violation. */
  async function accessible() {
    await page.evaluate(AXE_SOURCE)
    const violations = await page.evaluate(async () => {
      const result = await (window as any).axe.run(document, { resultTypes: ['violations'] })
      return (result.violations as any[]).map((v) => ({
        id: v.id as string,
        impact: v.impact as string,
        nodes: (v.nodes as any[]).map((node) => String(node.target)).join(', '),
      }))
    })
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([])
  }

  const rowsOf = () => page.locator('main tbody tr')
  const url = (path: string) => `${h.server.url}${path}`

  it('signs in with an API key and shows the integrations with logos, counts and redirect URIs', async () => {
    await page.goto(url('/'))
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in')
    await accessible()
    await shoot('sign-in')
    const key = page.getByLabel('API key', { exact: true })
    expect(await key.getAttribute('type')).toBe('password')
    await key.fill(h.apiKey)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/')

    const github = page.locator('tbody tr', { hasText: 'github' })
    expect(await github.locator('img.logo').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
    await expect(github.textContent()).resolves.toContain(`${h.server.url}/auth/github/callback`)
    const sandbox = page.locator('tbody tr', { hasText: 'Sandbox' })
    await expect(sandbox.getByRole('link', { name: '3 total' }).isVisible()).resolves.toBe(true)
    await expect(page.locator('tbody tr', { hasText: 'acme' }).getByRole('link').textContent()).resolves.toBe('1 total')
    const chart = page.getByRole('img', { name: /Refreshes and failures per hour/ })
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(/1 refreshed, 1 failed/)
    await accessible()
    await shoot('integrations')
  })

  it('filters connections by integration and walks to the next page', async () => {
    await page.goto(url('/dashboard/connections?limit=2'))
    await page.getByLabel('Integration').selectOption('sandbox')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForURL(/integration=sandbox/)
    const firstPage = await rowsOf().locator('th a').allTextContents()
    expect(firstPage).toHaveLength(2)
    await accessible()
    await shoot('connections')
    await page.getByRole('link', { name: 'Next page' }).click()
    await page.waitForURL(/cursor=/)
    const secondPage = await rowsOf().locator('th a').allTextContents()
    // Both pages together: every sandbox connection once, and no other.
    expect([...firstPage, ...secondPage].sort()).toEqual([...sandboxIds].sort())
    await expect(page.getByRole('link', { name: 'Next page' }).count()).resolves.toBe(0)

    await page.getByLabel('Integration').selectOption('')
    await page.getByLabel('Status').selectOption('needs_reauth')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForURL(/status=needs_reauth/)
    await expect(page.getByText('No connection matches.').isVisible()).resolves.toBe(true)
  })

  it('opens a connection with its events, refreshes and tests it', async () => {
    const id = sandboxIds[0] as string
    await page.goto(url('/dashboard/connections?integration=sandbox'))
    await page.getByRole('link', { name: id }).click()
    await page.getByRole('heading', { name: `Connection ${id}` }).waitFor()
    const events = () => page.locator('section[aria-labelledby="events-title"] tbody tr td:nth-child(2)').allTextContents()
    expect(await events()).toEqual(['Refresh failed', 'Refreshed', 'Created'])
    await accessible()
    await shoot('connection')

    await page.getByRole('button', { name: 'Refresh' }).click()
    await expect(page.getByRole('status').textContent()).resolves.toContain('Refreshed')
    expect(await events()).toEqual(['Refreshed', 'Refresh failed', 'Refreshed', 'Created'])

    await page.getByRole('button', { name: 'Test' }).click()
    await expect(page.getByRole('status').textContent()).resolves.toContain('Test passed')
    await accessible()
  })

  it('deletes a connection after a confirmation', async () => {
    const id = sandboxIds[1] as string
    await page.goto(url(`/dashboard/connections/${id}`))
    await page.getByRole('link', { name: 'Delete…' }).click()
    await page.getByRole('heading', { name: 'Delete connection' }).waitFor()
    await accessible()
    await shoot('delete')
    expect((await h.api('GET', `/connections/${id}`)).status).toBe(200)
    await page.getByRole('button', { name: 'Delete connection' }).click()
    await expect(page.getByRole('status').textContent()).resolves.toBe(`Connection ${id} deleted.`)
    expect((await h.api('GET', `/connections/${id}`)).status).toBe(404)
  })

  it('creates a connect link that opens the Connect page', async () => {
    await page.getByRole('link', { name: 'Connect link' }).click()
    await page.getByLabel('acme').check()
    await page.getByLabel('sandbox').check()
    await page.getByLabel('End user (optional)').fill('user-7')
    await page.getByRole('button', { name: 'Create connect link' }).click()
    const link = page.locator('#connect-link')
    const href = (await link.getAttribute('href')) as string
    expect(href.startsWith(`${h.server.url}/connect`)).toBe(true)
    await accessible()
    await shoot('connect-link')
    const connect = await fetch(href)
    expect(connect.status).toBe(200)
  })

  it('signs out, after which the pages ask for the key again', async () => {
    await page.goto(url('/'))
    await page.getByRole('button', { name: 'Sign out' }).click()
    await expect(page.getByRole('status').textContent()).resolves.toBe('You are signed out.')
    await page.goto(url('/dashboard/connections'))
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in')
    expect(cspViolations).toEqual([])
  })
})
