import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../../src/sandbox/index.js'
import type { Sandbox } from '../../src/sandbox/index.js'
import { registerClient } from '../helpers/connectors.js'
import { startHarness } from '../helpers/harness.js'
import type { Harness } from '../helpers/harness.js'
import { launchChromium } from '../helpers/chromium.js'

// Injected through the DevTools protocol (page.evaluate), which the pages' CSP does not govern.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

describe('operator sign-in through OIDC in headless Chromium', { timeout: 60_000 }, () => {
  let browser: Browser
  let issuer: Sandbox
  let h: Harness

  beforeAll(async () => {
    issuer = await startSandbox({ autoApprove: true })
    const client = registerClient(issuer)
    ;[browser, h] = await Promise.all([
      launchChromium(),
      startHarness({
        server: { dashboardOidc: { issuer: issuer.url, clientId: client.clientId, clientSecret: client.clientSecret, allowed: [] } },
      }),
    ])
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await h?.close()
    await issuer?.close()
  }, 60_000)

  it('clicks "Sign in with …" on an accessible sign-in page and lands on the dashboard', async () => {
    const context = await browser.newContext()
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    await page.goto(`${h.server.url}/`)
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in')

    await page.evaluate(AXE_SOURCE)
    const violations = await page.evaluate(async () => {
      const result = await (window as any).axe.run(document, { resultTypes: ['violations'] })
      return (result.violations as any[]).map((v) => ({ id: v.id as string, impact: v.impact as string }))
    })
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([])

    await page.getByRole('link', { name: `Sign in with ${new URL(issuer.url).host}` }).click()
    await page.waitForURL(`${h.server.url}/`)
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Integrations')
    await expect(page.locator('body').textContent()).resolves.toContain('oidc:')
    await context.close()
  })
})
